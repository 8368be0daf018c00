using System.Text;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition) in managed code, matching the
/// tokenizers library's NFC normalizer. <see cref="string.Normalize()"/> cannot be used: under InvariantGlobalization
/// it returns its input unchanged.
/// </summary>
internal static class NfcNormalizer
{
    public static string Normalize(string text)
    {
        if (IsQuickStable(text))
        {
            return text;
        }
        var codePoints = new List<int>(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes())
        {
            Decompose(rune.Value, codePoints);
        }
        SortCombiningMarks(codePoints);
        int count = Compose(codePoints);
        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < count; i++)
        {
            builder.Append(new Rune(codePoints[i]).ToString());
        }
        return builder.ToString();
    }

    private static bool IsQuickStable(string text)
    {
        int i = text.AsSpan().IndexOfAnyExceptInRange('\0', '\u02FF');
        if (i < 0)
        {
            return true;
        }
        foreach (Rune rune in text.AsSpan(i).EnumerateRunes())
        {
            if (!NfcTables.IsStable(rune.Value))
            {
                return false;
            }
        }
        return true;
    }

    private static void Decompose(int codePoint, List<int> output)
    {
        if (!NfcTables.TryDecompose(codePoint, out int first, out int second))
        {
            output.Add(codePoint);
            return;
        }
        Decompose(first, output);
        if (second != 0)
        {
            Decompose(second, output);
        }
    }

    // Stable insertion sort of every run of non-starters by combining class (the canonical ordering algorithm).
    private static void SortCombiningMarks(List<int> codePoints)
    {
        for (int i = 1; i < codePoints.Count; i++)
        {
            int value = codePoints[i];
            int cc = NfcTables.CombiningClass(value);
            if (cc == 0)
            {
                continue;
            }
            int j = i;
            while (j > 0 && NfcTables.CombiningClass(codePoints[j - 1]) > cc)
            {
                codePoints[j] = codePoints[j - 1];
                j--;
            }
            codePoints[j] = value;
        }
    }

    // Composes in place and returns the new length. A mark is blocked from the last starter when something between
    // them is a starter or has a combining class at least as high; canonical order makes checking the last kept one enough.
    private static int Compose(List<int> codePoints)
    {
        int starter = -1;
        int kept = 0;
        for (int i = 0; i < codePoints.Count; i++)
        {
            int current = codePoints[i];
            int cc = NfcTables.CombiningClass(current);
            if (starter >= 0)
            {
                bool adjacent = kept - 1 == starter;
                int lastCc = NfcTables.CombiningClass(codePoints[kept - 1]);
                bool blocked = !adjacent && (lastCc == 0 || lastCc >= cc);
                if (!blocked && NfcTables.TryCompose(codePoints[starter], current, out int composite))
                {
                    codePoints[starter] = composite;
                    continue;
                }
            }
            if (cc == 0)
            {
                starter = kept;
            }
            codePoints[kept++] = current;
        }
        return kept;
    }
}
