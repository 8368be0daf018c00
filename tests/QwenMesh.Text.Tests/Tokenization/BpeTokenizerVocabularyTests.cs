using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

/// <summary>Vocabulary lookups, stop tokens and decoding details of the real Qwen3 tokenizer.</summary>
public sealed class BpeTokenizerVocabularyTests
{
    private static BpeTokenizer Tokenizer => QwenTokenizerFiles.Tokenizer;

    [Fact]
    public void Vocab_size_is_highest_id_plus_one()
    {
        Assert.Equal(151669, Tokenizer.VocabSize);
        Assert.Equal("</think>", Tokenizer.IdToToken(Tokenizer.VocabSize - 1));
    }

    [Fact]
    public void Ids_and_byte_level_spellings_map_both_ways()
    {
        Assert.Equal("Hello", Tokenizer.IdToToken(9707));
        Assert.Equal("Ġ", Tokenizer.IdToToken(220));
        Assert.Equal(220, Tokenizer.TokenToId("Ġ"));
        Assert.Equal(18611, Tokenizer.TokenToId("ĠĠĊĊ"));
        Assert.Null(Tokenizer.TokenToId("no such token here"));
        Assert.Null(Tokenizer.IdToToken(-1));
        Assert.Null(Tokenizer.IdToToken(Tokenizer.VocabSize));
    }

    [Fact]
    public void Eos_and_stop_tokens_come_from_the_config()
    {
        Assert.Equal(151645, Tokenizer.EosTokenId);
        Assert.Equal([151645, 151643], Tokenizer.StopTokenIds);
    }

    [Fact]
    public void Skipping_special_tokens_keeps_think_tags()
    {
        IReadOnlyList<int> ids = Tokenizer.Encode("<|im_start|>assistant\n<think>\nhm\n</think>\n\nHi<|im_end|><|endoftext|>");
        Assert.Equal("assistant\n<think>\nhm\n</think>\n\nHi", Tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.True(Tokenizer.IsSpecialToken(151644));
        Assert.False(Tokenizer.IsSpecialToken(151667));
        Assert.False(Tokenizer.IsSpecialToken(9707));
    }

    [Fact]
    public void Broken_utf8_decodes_to_replacement_characters()
    {
        // 56252 and 253 are the first three bytes of U+1D7D8; without the fourth they form one incomplete sequence.
        Assert.Equal("\ufffd", Tokenizer.Decode([56252, 253]));
        Assert.Equal("a\ufffdb", Tokenizer.Decode([64, 56252, 65]));
        Assert.Equal("𝟘", Tokenizer.Decode([56252, 253, 246]));
    }

    [Fact]
    public void Unknown_ids_are_ignored_when_decoding()
    {
        Assert.Equal("Hello", Tokenizer.Decode([9707, Tokenizer.VocabSize, 151935, -5]));
    }

    [Fact]
    public void Token_bytes_are_the_utf8_of_the_token()
    {
        Assert.Equal(" "u8.ToArray(), Tokenizer.TokenBytes(220).ToArray());
        Assert.Equal("<|im_end|>"u8.ToArray(), Tokenizer.TokenBytes(151645).ToArray());
        Assert.Empty(Tokenizer.TokenBytes(-1).ToArray());
    }
}
