using System.Numerics;
using System.Runtime.InteropServices;

namespace QwenMesh.Text.Grammar;

/// <summary>How a token reads at a free-text position: whatever the grammar's state, or depending on it, or never.</summary>
internal enum TokenFit
{
    /// <summary>Stays inside the text, adding this many characters: allowed while the budget has room.</summary>
    Plain,

    /// <summary>Leaves the text (a closing quote, the terminator): the grammar's state decides.</summary>
    Depends,

    /// <summary>Cannot be read there (a control byte, broken UTF-8).</summary>
    Never,
}

/// <summary>
/// The tokens a free-text position takes whole whatever they say, sorted by how many characters they add, so that a
/// mask marks them as one prefix of the list; the tokens whose fate depends on the state are walked byte by byte in
/// <see cref="Rest"/>, and the ones that never fit are in neither.
/// </summary>
internal sealed class PlainTokens
{
    private readonly int[] _ids;
    private readonly int[] _chars;

    public PlainTokens(IEnumerable<(int Id, byte[] Bytes)> vocabulary, Func<byte[], (TokenFit Fit, int Chars)> classify)
    {
        var plain = new List<(int Id, int Chars)>();
        Rest = new ByteTrie();
        foreach ((int id, byte[] bytes) in vocabulary)
        {
            (TokenFit fit, int chars) = classify(bytes);
            if (fit == TokenFit.Plain) plain.Add((id, chars));
            else if (fit == TokenFit.Depends) Rest.Add(id, bytes);
        }
        plain.Sort((a, b) => a.Chars.CompareTo(b.Chars));
        _ids = plain.Select(p => p.Id).ToArray();
        _chars = plain.Select(p => p.Chars).ToArray();
        int width = _ids.Length == 0 ? 0 : _ids.Max() + 1;
        _upTo = new bool[Math.Min(ShortBudgets, _ids.Length == 0 ? 0 : _chars[^1]) + 1][];
        for (int c = 0; c < _upTo.Length; c++)
        {
            _upTo[c] = new bool[width];
            for (int i = 0; i < _ids.Length && _chars[i] <= c; i++) _upTo[c][_ids[i]] = true;
        }
    }

    // A budget of up to this many characters has its own precomputed mask (a few MiB for Qwen's vocabulary); above it,
    // the mask of this many plus the few longer tokens that fit.
    private const int ShortBudgets = 16;

    // _upTo[c]: the plain tokens of at most c characters, ORed into a mask at once (vectorised).
    private readonly bool[][] _upTo;

    public ByteTrie Rest { get; }

    /// <summary>Marks every plain token of at most <paramref name="maxChars"/> characters.</summary>
    public void MarkUpTo(long maxChars, bool[] allowed)
    {
        if (_upTo.Length == 0 || maxChars < 0) return;
        bool[] most = _upTo[(int)Math.Min(maxChars, _upTo.Length - 1)];
        Or(most.AsSpan(0, Math.Min(most.Length, allowed.Length)), allowed);
        if (maxChars < _upTo.Length) return;
        for (int i = FirstLonger(_upTo.Length - 1); i < _ids.Length && _chars[i] <= maxChars; i++)
        {
            if (_ids[i] < allowed.Length) allowed[_ids[i]] = true;
        }
    }

    // The index of the first token longer than `chars` characters.
    private int FirstLonger(int chars)
    {
        int low = 0, high = _chars.Length;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (_chars[mid] <= chars) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    private static void Or(ReadOnlySpan<bool> from, Span<bool> into)
    {
        Span<byte> target = MemoryMarshal.AsBytes(into);
        ReadOnlySpan<byte> source = MemoryMarshal.AsBytes(from);
        int i = 0;
        for (; i + Vector<byte>.Count <= source.Length; i += Vector<byte>.Count)
        {
            (new Vector<byte>(source[i..]) | new Vector<byte>(target[i..])).CopyTo(target[i..]);
        }
        for (; i < source.Length; i++) target[i] |= source[i];
    }
}
