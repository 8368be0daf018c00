using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

public sealed class ByteLevelTokenizerTests
{
    private readonly ByteLevelTokenizer _tokenizer = new();

    [Fact]
    public void Ids_below_256_are_utf8_bytes()
    {
        Assert.Equal([104, 105, 32, 0xC3, 0xA9], _tokenizer.Encode("hi é"));
        Assert.Equal("hi é", _tokenizer.Decode([104, 105, 32, 0xC3, 0xA9]));
    }

    [Fact]
    public void Chat_markers_follow_the_bytes()
    {
        Assert.Equal(261, _tokenizer.VocabSize);
        Assert.Equal(
            [257, 117, 10, 104, 258, 256, 259, 260],
            _tokenizer.Encode("<|im_start|>u\nh<|im_end|><|endoftext|><think></think>"));
        Assert.Equal(258, _tokenizer.EosTokenId);
        Assert.Equal([258, 256], _tokenizer.StopTokenIds);
        Assert.Equal("<|im_end|>", _tokenizer.IdToToken(258));
        Assert.Equal(259, _tokenizer.TokenToId("<think>"));
    }

    [Fact]
    public void Byte_tokens_are_named_like_a_byte_level_vocabulary()
    {
        Assert.Equal("Ġ", _tokenizer.IdToToken(32));
        Assert.Equal("a", _tokenizer.IdToToken(97));
        Assert.Equal(10, _tokenizer.TokenToId("Ċ"));
        Assert.Null(_tokenizer.IdToToken(261));
    }

    [Fact]
    public void Rendered_chat_prompts_round_trip()
    {
        string prompt = Templates.QwenChat.Render([Templates.QwenChat.User("Grüße 😀")], addGenerationPrompt: true, enableThinking: false);
        IReadOnlyList<int> ids = _tokenizer.Encode(prompt);
        Assert.Equal(ByteLevelTokenizer.ImStartId, ids[0]);
        Assert.Equal(prompt, _tokenizer.Decode(ids));
        Assert.Equal("user\nGrüße 😀\nassistant\n<think>\n\n</think>\n\n", _tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Invalid_utf8_decodes_to_replacement_characters()
    {
        Assert.Equal("a\ufffd\ufffdb", _tokenizer.Decode([97, 0xFF, 0xC3, 98]));
    }
}
