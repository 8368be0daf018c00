using System.Text;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

public sealed class TokenDecoderTests
{
    [Fact]
    public void Holds_back_a_character_split_over_several_tokens()
    {
        var decoder = new TokenDecoder(QwenTokenizerFiles.Tokenizer);
        // U+1D7D8 is spelled by three tokens: F0 9D | 9F | 98.
        Assert.Equal("a", decoder.Append(64));
        Assert.Equal("", decoder.Append(56252));
        Assert.Equal("", decoder.Append(253));
        Assert.Equal("𝟘", decoder.Append(246));
        Assert.Equal("", decoder.Flush());
    }

    [Theory]
    [InlineData("Hi 😀 世界 👨‍👩‍👧! 𝟘𝟙 𠀀 naïve\n<think>\nx\n</think>\n\n")]
    [InlineData("🇩🇪🇫🇷 \u0915\u094d\u0937 ✓✓✓ ☃")]
    public void Streamed_pieces_concatenate_to_the_full_decode(string text)
    {
        BpeTokenizer tokenizer = QwenTokenizerFiles.Tokenizer;
        IReadOnlyList<int> ids = tokenizer.Encode(text);
        var decoder = new TokenDecoder(tokenizer);
        var streamed = new StringBuilder();
        foreach (int id in ids)
        {
            string piece = decoder.Append(id);
            Assert.DoesNotContain('\ufffd', piece);
            streamed.Append(piece);
        }
        streamed.Append(decoder.Flush());
        Assert.Equal(text, streamed.ToString());
    }

    [Fact]
    public void Skips_special_tokens_when_asked()
    {
        var decoder = new TokenDecoder(new ByteLevelTokenizer(), skipSpecialTokens: true);
        Assert.Equal("", decoder.Append(ByteLevelTokenizer.ImStartId));
        Assert.Equal("hi<think>", decoder.Append([(int)'h', 'i', ByteLevelTokenizer.ThinkId, ByteLevelTokenizer.ImEndId]));
    }

    [Fact]
    public void Flush_turns_an_unfinished_character_into_a_replacement_character()
    {
        var decoder = new TokenDecoder(new ByteLevelTokenizer());
        Assert.Equal("", decoder.Append(0xE4));
        Assert.Equal("", decoder.Append(0xB8));
        Assert.Equal("\ufffd", decoder.Flush());
        Assert.Equal("ok", decoder.Append([(int)'o', 'k']));
    }

    [Fact]
    public void Random_bytes_stream_exactly_like_a_one_shot_decode()
    {
        var tokenizer = new ByteLevelTokenizer();
        var random = new Random(1234);
        for (int round = 0; round < 300; round++)
        {
            // Mostly UTF-8 lead and continuation bytes, so that valid, truncated and invalid sequences all occur.
            int[] ids = Enumerable.Range(0, random.Next(1, 24))
                .Select(_ => random.Next(4) == 0 ? random.Next(0, 128) : random.Next(0x80, 0xF8))
                .ToArray();
            var decoder = new TokenDecoder(tokenizer);
            string streamed = string.Concat(ids.Select(decoder.Append)) + decoder.Flush();
            Assert.Equal(tokenizer.Decode(ids), streamed);
        }
    }
}
