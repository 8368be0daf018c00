using System.Text.Json.Nodes;
using QwenMesh.Text;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

/// <summary>BPE rules and file handling, on a tiny hand-made tokenizer.json.</summary>
public sealed class BpeTokenizerLoadingTests
{
    [Theory]
    [InlineData("aaa", new[] { 6, 0 })] // equal ranks: the leftmost pair merges first
    [InlineData("aab", new[] { 0, 5 })] // a+b outranks a+a even though a+a comes first in the word
    [InlineData("ab ab", new[] { 5, 3, 5 })]
    [InlineData("xyz", new int[0])] // bytes missing from the vocabulary are dropped
    public void Merges_apply_by_rank(string text, int[] expected)
    {
        using TinyTokenizerFolder folder = new TinyTokenizerFolder().Write(TinyTokenizerFolder.Definition());
        Assert.Equal(expected, BpeTokenizer.FromFolder(folder.Path).Encode(text));
    }

    [Theory]
    [InlineData("<s><s><s>", new[] { 11, 7 })] // longest match first
    [InlineData("a[W]", new[] { 0, 12, 13, 14 })] // single_word: glued to a word, so plain text
    [InlineData("a [W] b", new[] { 0, 3, 8, 3, 1 })]
    [InlineData("a  [L]", new[] { 0, 9 })] // lstrip swallows the spaces before
    [InlineData("[R]  b", new[] { 10, 1 })] // rstrip swallows the spaces after
    public void Added_tokens_follow_their_flags(string text, int[] expected)
    {
        using TinyTokenizerFolder folder = new TinyTokenizerFolder().Write(TinyTokenizerFolder.Definition());
        Assert.Equal(expected, BpeTokenizer.FromFolder(folder.Path).Encode(text));
    }

    [Fact]
    public void Without_a_config_there_is_no_eos_unless_qwen_markers_exist()
    {
        using TinyTokenizerFolder folder = new TinyTokenizerFolder().Write(TinyTokenizerFolder.Definition());
        BpeTokenizer tokenizer = BpeTokenizer.FromFolder(folder.Path);
        Assert.Null(tokenizer.EosTokenId);
        Assert.Empty(tokenizer.StopTokenIds);
        Assert.Equal(15, tokenizer.VocabSize);
    }

    [Fact]
    public void Eos_token_may_be_an_object_in_the_config()
    {
        using TinyTokenizerFolder folder = new TinyTokenizerFolder()
            .Write(TinyTokenizerFolder.Definition())
            .WriteText("tokenizer_config.json", """{"eos_token": {"content": "<s>", "special": true}}""");
        Assert.Equal(7, BpeTokenizer.FromFolder(folder.Path).EosTokenId);
    }

    [Fact]
    public void A_missing_tokenizer_file_is_reported_with_its_path()
    {
        using var folder = new TinyTokenizerFolder();
        var error = Assert.Throws<FileNotFoundException>(() => BpeTokenizer.FromFolder(folder.Path));
        Assert.Contains(Path.Combine(folder.Path, "tokenizer.json"), error.Message);
    }

    [Fact]
    public void Invalid_json_is_reported_with_the_file_name()
    {
        using TinyTokenizerFolder folder = new TinyTokenizerFolder().WriteText("tokenizer.json", "{\"model\": {");
        var error = Assert.Throws<ModelFormatException>(() => BpeTokenizer.FromFolder(folder.Path));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Theory]
    [InlineData("vocab", "model.vocab is missing")]
    [InlineData("merges", "model.merges is missing")]
    [InlineData("bad-merge", "model.merges[2] ('a' 'zz') uses a token that is not in model.vocab")]
    [InlineData("bad-id", "model.vocab entry 'a' does not map to a non-negative integer id")]
    [InlineData("wordpiece", "model.type 'WordPiece' is not supported")]
    [InlineData("added", "added_tokens[0] needs a non-negative 'id'")]
    [InlineData("pre_tokenizer", "pre_tokenizer 'Whitespace' is not supported")]
    [InlineData("wrong-type", "a value has the wrong JSON type")]
    public void Malformed_definitions_name_the_problem(string breakage, string expected)
    {
        JsonObject definition = TinyTokenizerFolder.Definition();
        JsonObject model = definition["model"]!.AsObject();
        switch (breakage)
        {
            case "vocab": model.Remove("vocab"); break;
            case "merges": model.Remove("merges"); break;
            case "bad-merge": model["merges"]!.AsArray().Add("a zz"); break;
            case "bad-id": model["vocab"]!["a"] = "zero"; break;
            case "wordpiece": model["type"] = "WordPiece"; break;
            case "added": definition["added_tokens"]![0]!["id"] = -1; break;
            case "pre_tokenizer": definition["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" }; break;
            case "wrong-type": definition["pre_tokenizer"]!["type"] = 5; break;
        }
        using TinyTokenizerFolder folder = new TinyTokenizerFolder().Write(definition);
        var error = Assert.Throws<ModelFormatException>(() => BpeTokenizer.FromFolder(folder.Path));
        Assert.Contains(Path.Combine(folder.Path, "tokenizer.json"), error.Message);
        Assert.Contains(expected, error.Message);
    }
}
