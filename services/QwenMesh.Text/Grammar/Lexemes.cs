namespace QwenMesh.Text.Grammar;

/// <summary>
/// Whole UTF-8 characters, byte by byte. The pending state is 0 at a character boundary; 10 + n while n continuation
/// bytes (any of 80-BF) are to come; 1000 + lead * 10 + n while the first continuation of a lead byte that restricts
/// it (no overlong forms, no surrogates, nothing above U+10FFFF) is to come.
/// </summary>
internal static class Utf8
{
    public static bool TryNext(long pending, byte b, out long next)
    {
        next = 0;
        if (pending >= 1000)
        {
            int lead = (int)((pending - 1000) / 10), rest = (int)((pending - 1000) % 10);
            (byte low, byte high) = lead switch
            {
                0xE0 => ((byte)0xA0, (byte)0xBF),
                0xED => ((byte)0x80, (byte)0x9F),
                0xF0 => ((byte)0x90, (byte)0xBF),
                0xF4 => ((byte)0x80, (byte)0x8F),
                _ => ((byte)0x80, (byte)0xBF),
            };
            if (b < low || b > high) return false;
            next = rest > 1 ? 10 + rest - 1 : 0;
            return true;
        }
        if (pending >= 10)
        {
            if ((b & 0xC0) != 0x80) return false;
            next = pending - 1 > 10 ? pending - 1 : 0;
            return true;
        }
        int continuation = b switch
        {
            < 0x80 => 0,
            >= 0xC2 and <= 0xDF => 1,
            >= 0xE0 and <= 0xEF => 2,
            >= 0xF0 and <= 0xF4 => 3,
            _ => -1,
        };
        if (continuation < 0) return false;
        next = continuation == 0 ? 0 : 1000 + b * 10 + continuation;
        return true;
    }
}

/// <summary>Byte by byte reading of a JSON string: A 0 before the quote, 1 inside; B characters so far; C what is pending.</summary>
internal static class Strings
{
    // C: 1 after a backslash, else the UTF-8 state of Utf8.
    private const long Escape = 1;

    public static bool TryAdvance(StringNode s, Frame f, byte b, out Frame? next)
    {
        next = null;
        if (f.A == 0)
        {
            if (b != (byte)'"') return false;
            next = f with { A = 1 };
            return true;
        }
        if (f.C == Escape)
        {
            // \u escapes are left out: compact output writes every character as itself.
            if (b is not ((byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')) return false;
            next = f with { C = 0 };
            return true;
        }
        if (f.C != 0)
        {
            if (!Utf8.TryNext(f.C, b, out long pending)) return false;
            next = f with { C = pending };
            return true;
        }
        if (b == (byte)'"')
        {
            if (f.B < s.MinChars) return false;
            next = f.Next;
            return true;
        }
        if (f.B >= s.MaxChars || b < 0x20) return false;
        if (b == (byte)'\\')
        {
            next = f with { B = f.B + 1, C = Escape };
            return true;
        }
        if (!Utf8.TryNext(0, b, out long started)) return false;
        next = f with { B = f.B + 1, C = started };
        return true;
    }
}

/// <summary>
/// Free text of whole UTF-8 characters ended by a terminator: A is how much of the terminator has matched, B the
/// characters read, C the UTF-8 state of <see cref="Utf8"/>.
/// </summary>
internal static class Texts
{
    public static bool TryAdvance(TextUntilNode t, Frame f, byte b, out Frame? next)
    {
        next = null;
        if (f.C != 0)
        {
            // Inside a character: the terminator cannot match a continuation byte, so a partial match is over.
            if (!Utf8.TryNext(f.C, b, out long pending)) return false;
            next = f with { A = 0, C = pending };
            return true;
        }
        int k = f.A;
        while (k > 0 && t.Terminator[k] != b) k = t.Fallback[k];
        if (t.Terminator[k] == b) k++;
        // Once the text budget is spent, only the terminator may continue.
        if (f.B >= t.MaxChars && k <= f.A) return false;
        if (k == t.Terminator.Length)
        {
            next = f.Next;
            return true;
        }
        if (!Utf8.TryNext(0, b, out long started)) return false;
        next = f with { A = started == 0 ? k : 0, B = f.B + 1, C = started };
        return true;
    }
}

/// <summary>A JSON integer in range: A 0 at the start, 1 after '-', 2 positive digits, 3 negative digits; B digits; C the magnitude.</summary>
internal static class Integers
{
    private const long Limit = 1_000_000_000_000_000_000;

    private static (long Low, long High)? Range(IntegerNode n, bool negative)
    {
        long min = Math.Max(n.Min, -Limit), max = Math.Min(n.Max, Limit);
        if (!negative) return max < 0 ? null : (Math.Max(0, min), max);
        return min >= 0 ? null : (Math.Max(1, -max), -min);
    }

    // Whether some number written with this prefix (magnitude m, d digits so far) lands in range.
    private static bool Feasible(long m, int d, (long Low, long High) range)
    {
        if (m > range.High) return false;
        if (m == 0 && d == 1) return range.Low == 0;
        long scale = 1;
        for (int k = 0; d + k <= 18; k++, scale *= 10)
        {
            long low = m * scale, high = low + scale - 1;
            if (low > range.High) return false;
            if (high >= range.Low) return true;
            if (m > Limit / (scale * 10)) return false;
        }
        return false;
    }

    public static bool CanRead(IntegerNode n, Frame f)
    {
        if (f.A < 2) return true;
        if (f.C == 0 && f.B == 1) return false;
        var range = Range(n, f.A == 3)!.Value;
        for (int d = 0; d <= 9; d++)
        {
            if (Feasible(f.C * 10 + d, f.B + 1, range)) return true;
        }
        return false;
    }

    public static bool IsComplete(IntegerNode n, Frame f)
    {
        if (f.A < 2) return false;
        var range = Range(n, f.A == 3)!.Value;
        return f.C >= range.Low && f.C <= range.High;
    }

    public static bool TryAdvance(IntegerNode n, Frame f, byte b, out Frame? next)
    {
        next = null;
        if (f.A == 0 && b == (byte)'-')
        {
            if (Range(n, negative: true) is null) return false;
            next = f with { A = 1 };
            return true;
        }
        if (b is < (byte)'0' or > (byte)'9') return false;
        int digit = b - '0';
        bool negative = f.A is 1 or 3;
        if (Range(n, negative) is not { } range) return false;
        if (f.A >= 2 && f.C == 0 && f.B == 1) return false;
        long m = f.A >= 2 ? f.C * 10 + digit : digit;
        int digits = f.A >= 2 ? f.B + 1 : 1;
        if (!Feasible(m, digits, range)) return false;
        next = f with { A = negative ? 3 : 2, B = digits, C = m };
        return true;
    }
}

/// <summary>A bounded JSON number: A the part being read (see <see cref="NumberNode"/>), B its digits, C 1 after a leading zero.</summary>
internal static class Numbers
{
    public static bool CanRead(Frame f) => f.A switch
    {
        7 => f.B < NumberNode.ExponentDigits,
        _ => true,
    };

    public static bool IsComplete(Frame f) => f.A is 2 or 4 or 7;

    public static bool TryAdvance(Frame f, byte b, out Frame? next)
    {
        bool digit = b is >= (byte)'0' and <= (byte)'9';
        next = (f.A, b) switch
        {
            (0, (byte)'-') => f with { A = 1 },
            (0 or 1, _) when digit => f with { A = 2, B = 1, C = b == (byte)'0' ? 1 : 0 },
            (2, _) when digit && f.C == 0 && f.B < NumberNode.IntegerDigits => f with { B = f.B + 1 },
            (2, (byte)'.') => f with { A = 3, B = 0 },
            (2 or 4, (byte)'e' or (byte)'E') => f with { A = 5, B = 0 },
            (3, _) when digit => f with { A = 4, B = 1 },
            (4, _) when digit && f.B < NumberNode.FractionDigits => f with { B = f.B + 1 },
            (5, (byte)'+' or (byte)'-') => f with { A = 6 },
            (5 or 6, _) when digit => f with { A = 7, B = 1 },
            (7, _) when digit && f.B < NumberNode.ExponentDigits => f with { B = f.B + 1 },
            _ => null,
        };
        return next is not null;
    }
}
