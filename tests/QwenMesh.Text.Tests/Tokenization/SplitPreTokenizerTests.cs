using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

public sealed class SplitPreTokenizerTests
{
    private static readonly SplitPreTokenizer Qwen = new(TinyTokenizerFolder.QwenPattern);

    [Theory]
    [InlineData("Hello world", new[] { "Hello", " world" })]
    [InlineData("it's 42!", new[] { "it", "'s", " ", "4", "2", "!" })]
    [InlineData("a   b\n\n  c", new[] { "a", "  ", " b", "\n\n", " ", " c" })]
    [InlineData("x  \n\ny", new[] { "x", "  \n\n", "y" })]
    [InlineData("😀abc", new[] { "😀abc" })] // an emoji is one non-letter before the word, as in Oniguruma
    [InlineData("𝐀𝐁 𠀀's", new[] { "𝐀𝐁", " 𠀀", "'s" })] // supplementary letters are letters
    [InlineData("𝟘𝟙", new[] { "𝟘", "𝟙" })] // supplementary digits are single digits
    [InlineData("?!😀😀\n", new[] { "?!😀😀\n" })]
    public void Splits_on_code_points_like_oniguruma(string text, string[] expected)
    {
        var pieces = new List<(int Start, int Length)>();
        Qwen.Split(text, pieces);
        Assert.Equal(expected, pieces.Select(p => text.Substring(p.Start, p.Length)));
    }

    [Fact]
    public void Text_between_matches_is_kept_as_its_own_piece()
    {
        var digits = new SplitPreTokenizer(@"\d+");
        var pieces = new List<(int Start, int Length)>();
        digits.Split("ab12cd3", pieces);
        Assert.Equal([(0, 2), (2, 2), (4, 2), (6, 1)], pieces);
    }
}
