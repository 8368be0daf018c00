using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

/// <summary>Expected values are Python's unicodedata.normalize('NFC', ...).</summary>
public sealed class NfcNormalizerTests
{
    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("e\u0301", "\u00e9")] // composition
    [InlineData("\u212b", "\u00c5")] // singleton decomposition (Angstrom sign)
    [InlineData("\uf900", "\u8c48")] // CJK compatibility ideograph
    [InlineData("a\u0301\u0323", "\u1ea1\u0301")] // marks reordered by class, then the first one composes
    [InlineData("\u0958", "\u0915\u093c")] // composition exclusion stays decomposed
    [InlineData("\u1100\u1161\u11a8", "\uac01")] // Hangul jamo L V T
    [InlineData("\uac00\u11a8", "\uac01")] // Hangul LV + T
    [InlineData("\u0344", "\u0308\u0301")] // non-starter decomposition
    [InlineData("\u1f82", "\u1f82")] // deep decomposition recomposes fully
    [InlineData("\u03b1\u0313\u0300\u0345", "\u1f82")]
    [InlineData("\u0b47\u0b3e", "\u0b4b")] // a second character with combining class 0
    [InlineData("\ud834\udd5e", "\ud834\udd57\ud834\udd65")] // supplementary-plane exclusion
    [InlineData("世界 😀", "世界 😀")]
    public void Matches_python_unicodedata(string input, string expected)
    {
        Assert.Equal(expected, NfcNormalizer.Normalize(input));
    }

    [Fact]
    public void Already_normalized_text_is_returned_as_is()
    {
        string text = "Grüße, 世界! 안녕";
        Assert.Same(text, NfcNormalizer.Normalize(text));
    }
}
