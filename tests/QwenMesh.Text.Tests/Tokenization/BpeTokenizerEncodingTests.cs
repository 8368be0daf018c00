using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

/// <summary>Encoding with the real Qwen3 tokenizer; expected ids come from the reference (Hugging Face) tokenizer.</summary>
public sealed class BpeTokenizerEncodingTests
{
    private static BpeTokenizer Tokenizer => QwenTokenizerFiles.Tokenizer;

    [Fact]
    public void Encodes_mixed_english_and_chinese_like_the_reference()
    {
        Assert.Equal([9707, 220, 99489, 11, 419, 374, 1207, 16948], Tokenizer.Encode("Hello 世界, this is Qwen"));
    }

    [Theory]
    [InlineData("<|endoftext|>", 151643)]
    [InlineData("<|im_start|>", 151644)]
    [InlineData("<|im_end|>", 151645)]
    [InlineData("<think>", 151667)]
    [InlineData("</think>", 151668)]
    public void Special_tokens_encode_to_their_single_id_and_decode_back(string token, int id)
    {
        Assert.Equal([id], Tokenizer.Encode(token));
        Assert.Equal(id, Tokenizer.TokenToId(token));
        Assert.Equal(token, Tokenizer.IdToToken(id));
        Assert.Equal(token, Tokenizer.Decode([id]));
    }

    [Fact]
    public void Special_tokens_inside_text_are_recognised()
    {
        Assert.Equal(
            [151644, 8948, 198, 2610, 525, 10950, 13, 151645, 198],
            Tokenizer.Encode("<|im_start|>system\nYou are helpful.<|im_end|>\n"));
        Assert.Equal([151667, 198, 562, 198, 151668, 271], Tokenizer.Encode("<think>\nok\n</think>\n\n"));
        Assert.Equal([64, 151645, 65], Tokenizer.Encode("a<|im_end|>b"));
    }

    [Fact]
    public void An_incomplete_special_token_is_ordinary_text()
    {
        Assert.Equal([27, 91, 318, 6213], Tokenizer.Encode("<|im_end"));
    }

    [Fact]
    public void Digits_are_one_token_each()
    {
        IReadOnlyList<int> ids = Tokenizer.Encode("12345");
        Assert.Equal([16, 17, 18, 19, 20], ids);
        Assert.Equal(["1", "2", "3", "4", "5"], ids.Select(id => Tokenizer.Decode([id])));
    }

    [Theory]
    [InlineData("  \n\n", new[] { 18611 })]
    [InlineData("hi  \n\n  there", new[] { 6023, 18611, 220, 1052 })]
    [InlineData("a  b", new[] { 64, 220, 293 })]
    [InlineData("  \t x", new[] { 19271, 856 })]
    public void Whitespace_runs_split_as_the_pattern_says(string text, int[] expected)
    {
        // "\s*[\r\n]+" keeps spaces with the newlines after them; "\s+(?!\S)" leaves the last space to the next word.
        Assert.Equal(expected, Tokenizer.Encode(text));
    }

    [Fact]
    public void Contractions_match_case_insensitively()
    {
        Assert.Equal([40, 27603, 1588, 11, 19677, 6, 4086, 728, 26, 432, 594], Tokenizer.Encode("I'M here, WE'LL go; it's"));
    }

    [Fact]
    public void Characters_outside_the_bmp_keep_their_letter_and_digit_classes()
    {
        // U+1D400 (a letter) must glue "$b" into its own piece and let "'s" stay a contraction, like Oniguruma does.
        Assert.Equal([146527, 67284, 81250, 238, 222, 594], Tokenizer.Encode("𝐀$b 𝐀's"));
        Assert.Equal(
            [16, 17, 18, 19, 20, 220, 48312, 254, 48312, 94, 48312, 95, 220, 56252, 253, 246, 56252, 253, 247],
            Tokenizer.Encode("12345 ①②③ 𝟘𝟙"));
    }

    [Theory]
    [InlineData("e\u0301", "\u00e9", new[] { 963 })]
    [InlineData("\uf900", "\u8c48", new[] { 43410, 230 })]
    [InlineData("\u1100\u1161\u11a8", "\uac01", new[] { 126317 })]
    public void Text_is_nfc_normalized_first(string text, string composed, int[] expected)
    {
        Assert.Equal(expected, Tokenizer.Encode(text));
        Assert.Equal(composed, Tokenizer.Decode(Tokenizer.Encode(text)));
    }

    [Theory]
    [InlineData("Hello 世界, this is Qwen")]
    [InlineData("Привет, мир! Γειά σου κόσμε. مرحبا بالعالم. नमस्ते दुनिया. こんにちは、カタカナ. 안녕하세요")]
    [InlineData("emoji 😀👍🏽 👨‍👩‍👧 x😀y 🇩🇪 and 𝐀𝐁𝐂 𠀀")]
    [InlineData("line1\nline2\r\nline3\r\r\n\n\n  indented\n\ttabbed  \n")]
    [InlineData("   leading and trailing   ")]
    [InlineData("\u00a0nbsp\u00a0 \u3000wide\u2028sep\u200bzw")]
    [InlineData("def f(x):\n    return x**2  # comment\n\n\nclass A:\n\tpass")]
    [InlineData("$1,234.56 + 7% = ?!?! ... 'quoted' \"double\" <tag/> {\"k\": [1, 2]}")]
    [InlineData("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nok<|im_end|>")]
    [InlineData("")]
    public void Decode_of_encode_gives_the_text_back(string text)
    {
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));
    }

    [Theory]
    [InlineData(" ", 100_000)]
    [InlineData("a", 100_000)]
    [InlineData("-", 50_000)]
    [InlineData("ab", 25_000)]
    public void A_very_long_word_merges_quickly(string unit, int repeats)
    {
        // One pre-token of 100k symbols: merging must stay near-linear (repeated pairs like "ĠĠ" once hit slow paths).
        // Wall-clock bounds fail on a busy machine, so the check is how the cost grows: 4x the text may take about 4x
        // the time (quadratic merging takes 16x; 10x is the bar); the median of three runs of each size, in one test.
        string text = string.Concat(Enumerable.Repeat(unit, repeats));
        IReadOnlyList<int> ids = Tokenizer.Encode(text);
        Assert.Equal(text, Tokenizer.Decode(ids));
        Assert.True(ids.Count <= text.Length / 2, $"expected long merges, got {ids.Count} tokens");

        // Measured at 2x and 8x the word, so that both times are well above timer noise and one GC pause.
        string shorter = string.Concat(Enumerable.Repeat(text, 2)), longer = string.Concat(Enumerable.Repeat(text, 8));
        double small = MedianMilliseconds(shorter), large = MedianMilliseconds(longer);
        Assert.True(large < 10 * Math.Max(small, 1), $"4x the text took {large / Math.Max(small, 1):F1}x the time ({small:F0} ms -> {large:F0} ms)");
    }

    private static double MedianMilliseconds(string text)
    {
        var runs = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Tokenizer.Encode(text);
            runs.Add(clock.Elapsed.TotalMilliseconds);
        }
        runs.Sort();
        return runs[1];
    }

    [Fact]
    public void Concurrent_encoding_matches_sequential_encoding()
    {
        string[] texts = Enumerable.Range(0, 200).Select(i => $"Thread {i} says: 世界 {i * 7919} 😀 word{i % 13}\n").ToArray();
        int[][] expected = texts.Select(t => Tokenizer.Encode(t).ToArray()).ToArray();
        var actual = new int[texts.Length][];
        Parallel.For(0, texts.Length, i => actual[i] = Tokenizer.Encode(texts[i]).ToArray());
        Assert.Equal(expected, actual);
    }
}
