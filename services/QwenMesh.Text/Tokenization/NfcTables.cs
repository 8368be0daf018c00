using System.Globalization;

namespace QwenMesh.Text.Tokenization;

/// <summary>Lookups built once from <see cref="NfcData"/>: decompositions, combining classes and composition pairs.</summary>
internal static class NfcTables
{
    private const int HangulBase = 0xAC00;
    private const int HangulCount = 11172;

    // Packed as (first << 21) | second; second is 0 for singletons (U+0000 never appears in a decomposition).
    private static readonly Dictionary<int, long> DecompositionMap = new();
    private static readonly Dictionary<int, byte> CombiningClassMap = new();
    private static readonly Dictionary<long, int> CompositionMap = new();
    private static readonly HashSet<int> PrimaryComposites = new();
    private static readonly HashSet<int> CompositionSeconds = new();

    static NfcTables()
    {
        int codePoint = 0;
        foreach (string entry in NfcData.Decompositions.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            ReadOnlySpan<char> rest = entry;
            bool excluded = rest[0] == '!';
            if (excluded)
            {
                rest = rest[1..];
            }
            int colon = rest.IndexOf(':');
            codePoint += colon < 0 ? 1 : Hex(rest[..colon]);
            rest = rest[(colon + 1)..];
            int dot = rest.IndexOf('.');
            int first = Hex(dot < 0 ? rest : rest[..dot]);
            int second = dot < 0 ? 0 : Hex(rest[(dot + 1)..]);
            DecompositionMap[codePoint] = ((long)first << 21) | (uint)second;
            if (second != 0 && !excluded)
            {
                CompositionMap[((long)first << 21) | (uint)second] = codePoint;
                PrimaryComposites.Add(codePoint);
                CompositionSeconds.Add(second);
            }
        }

        int runEnd = 0;
        foreach (string entry in NfcData.CombiningClasses.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            ReadOnlySpan<char> text = entry;
            int colon = text.IndexOf(':');
            ReadOnlySpan<char> range = text[..colon];
            int plus = range.IndexOf('+');
            int start = runEnd + Hex(plus < 0 ? range : range[..plus]);
            runEnd = start + (plus < 0 ? 0 : Hex(range[(plus + 1)..]));
            byte value = byte.Parse(text[(colon + 1)..], CultureInfo.InvariantCulture);
            for (int cp = start; cp <= runEnd; cp++)
            {
                CombiningClassMap[cp] = value;
            }
        }
    }

    public static int CombiningClass(int codePoint) =>
        codePoint < 0x300 ? 0 : CombiningClassMap.GetValueOrDefault(codePoint);

    /// <summary>The one-level canonical decomposition; Hangul syllables are split algorithmically into L V (T).</summary>
    public static bool TryDecompose(int codePoint, out int first, out int second)
    {
        int s = codePoint - HangulBase;
        if ((uint)s < HangulCount)
        {
            int trail = s % 28;
            // LVT splits into LV + T so that recursion reaches L V T; LV splits into L + V.
            (first, second) = trail != 0 ? (codePoint - trail, 0x11A7 + trail) : (0x1100 + s / 588, 0x1161 + s % 588 / 28);
            return true;
        }
        if (codePoint >= 0xC0 && DecompositionMap.TryGetValue(codePoint, out long packed))
        {
            first = (int)(packed >> 21);
            second = (int)(packed & 0x1FFFFF);
            return true;
        }
        first = second = 0;
        return false;
    }

    /// <summary>The primary composite of a starter and a following character, Hangul included.</summary>
    public static bool TryCompose(int starter, int next, out int composite)
    {
        if ((uint)(starter - 0x1100) < 19 && (uint)(next - 0x1161) < 21)
        {
            composite = HangulBase + ((starter - 0x1100) * 21 + (next - 0x1161)) * 28;
            return true;
        }
        int s = starter - HangulBase;
        if ((uint)s < HangulCount && s % 28 == 0 && (uint)(next - 0x11A8) < 27)
        {
            composite = starter + (next - 0x11A7);
            return true;
        }
        return CompositionMap.TryGetValue(((long)starter << 21) | (uint)next, out composite);
    }

    /// <summary>
    /// True when the character can appear in NFC text without any look at its neighbours: not a combining mark,
    /// not something that could merge into the character before it, and already in composed form.
    /// </summary>
    public static bool IsStable(int codePoint)
    {
        if (codePoint < 0x300)
        {
            return true;
        }
        if (CombiningClassMap.ContainsKey(codePoint) || CompositionSeconds.Contains(codePoint))
        {
            return false;
        }
        if ((uint)(codePoint - 0x1161) < 21 || (uint)(codePoint - 0x11A8) < 27)
        {
            return false;
        }
        return !DecompositionMap.ContainsKey(codePoint) || PrimaryComposites.Contains(codePoint);
    }

    private static int Hex(ReadOnlySpan<char> digits) => int.Parse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
