using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// The tokenizers library's Split pre-tokenizer with Isolated behaviour: every regex match is a piece, and so is any
/// text between matches.
/// </summary>
/// <remarks>
/// The pattern was written for Oniguruma, which matches code points; .NET matches UTF-16 units, so a character
/// outside the BMP would look like two non-letters (an emoji would stop <c>[^\p{L}]?\p{L}+</c> from taking the
/// word after it, a supplementary CJK letter would not count as \p{L}). Text with surrogate pairs is therefore
/// matched on a copy where each pair is one BMP stand-in of the same class, and the pieces mapped back.
/// </remarks>
internal sealed class SplitPreTokenizer
{
    // Stand-ins: a letter that no case-insensitive contraction in the Qwen/GPT-2 patterns mentions, a digit, and a
    // private-use character (neither letter, digit nor space).
    private const char LetterStandIn = 'x';
    private const char NumberStandIn = '0';
    private const char OtherStandIn = '\uE000';

    private readonly Regex _regex;

    public SplitPreTokenizer(string pattern)
    {
        _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }

    /// <summary>Appends (start, length) of each piece of <paramref name="text"/>, in order, covering all of it.</summary>
    public void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> pieces)
    {
        if (text.IndexOfAnyInRange('\uD800', '\uDBFF') < 0)
        {
            AddPieces(text, pieces, null);
            return;
        }
        var standIns = new char[text.Length];
        var origins = new int[text.Length + 1];
        int count = 0;
        for (int i = 0; i < text.Length; i++)
        {
            origins[count] = i;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                standIns[count++] = StandInFor(char.ConvertToUtf32(text[i], text[i + 1]));
                i++;
            }
            else
            {
                standIns[count++] = text[i];
            }
        }
        origins[count] = text.Length;
        AddPieces(standIns.AsSpan(0, count), pieces, origins);
    }

    private void AddPieces(ReadOnlySpan<char> text, List<(int Start, int Length)> pieces, int[]? origins)
    {
        int covered = 0;
        foreach (ValueMatch match in _regex.EnumerateMatches(text))
        {
            if (match.Length == 0)
            {
                continue;
            }
            if (match.Index > covered)
            {
                AddPiece(covered, match.Index, pieces, origins);
            }
            AddPiece(match.Index, match.Index + match.Length, pieces, origins);
            covered = match.Index + match.Length;
        }
        if (covered < text.Length)
        {
            AddPiece(covered, text.Length, pieces, origins);
        }
    }

    private static void AddPiece(int start, int end, List<(int Start, int Length)> pieces, int[]? origins)
    {
        if (origins is not null)
        {
            start = origins[start];
            end = origins[end];
        }
        pieces.Add((start, end - start));
    }

    private static char StandInFor(int codePoint)
    {
        return Rune.GetUnicodeCategory(new Rune(codePoint)) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => LetterStandIn,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
                or UnicodeCategory.OtherNumber => NumberStandIn,
            _ => OtherStandIn,
        };
    }
}
