using System.Buffers;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// Finds added tokens in text the way the tokenizers library does: scanning left to right, at each position the
/// longest token that matches wins, and lstrip/rstrip/single_word are honoured.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly AddedToken[] _longestFirst;
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _longestFirst = tokens
            .Where(t => t.Content.Length > 0)
            .OrderByDescending(t => t.Content.Length)
            .ThenBy(t => t.Id)
            .ToArray();
        _firstChars = SearchValues.Create(_longestFirst.Select(t => t.Content[0]).Distinct().ToArray());
    }

    public bool IsEmpty => _longestFirst.Length == 0;

    /// <summary>Appends the segments of <paramref name="text"/> in order; plain segments are never empty.</summary>
    public void Split(string text, List<TextSegment> output)
    {
        int plainStart = 0;
        int position = 0;
        while (position < text.Length)
        {
            int offset = text.AsSpan(position).IndexOfAny(_firstChars);
            if (offset < 0)
            {
                break;
            }
            position += offset;
            AddedToken? token = MatchAt(text, position);
            if (token is null)
            {
                position++;
                continue;
            }
            int start = position;
            int end = position + token.Content.Length;
            if (token.LStrip)
            {
                while (start > plainStart && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }
            if (token.RStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }
            if (start > plainStart)
            {
                output.Add(TextSegment.Plain(plainStart, start - plainStart));
            }
            output.Add(new TextSegment(start, end - start, token.Id));
            plainStart = position = end;
        }
        if (plainStart < text.Length)
        {
            output.Add(TextSegment.Plain(plainStart, text.Length - plainStart));
        }
    }

    private AddedToken? MatchAt(string text, int position)
    {
        ReadOnlySpan<char> rest = text.AsSpan(position);
        foreach (AddedToken token in _longestFirst)
        {
            if (!rest.StartsWith(token.Content, StringComparison.Ordinal))
            {
                continue;
            }
            if (token.SingleWord && !StandsAlone(text, position, position + token.Content.Length))
            {
                continue;
            }
            return token;
        }
        return null;
    }

    // single_word tokens only count when not glued to a word character on either side.
    private static bool StandsAlone(string text, int start, int end) =>
        (start == 0 || !IsWordChar(text[start - 1])) && (end == text.Length || !IsWordChar(text[end]));

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
