using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>Binary and unary operators with Python's rules (bool counts as an int, / is true division, % is floored).</summary>
internal static class Operators
{
    public static object? Binary(string op, object? left, object? right)
    {
        switch (op)
        {
            case "==": return Values.Equals(left, right);
            case "!=": return !Values.Equals(left, right);
            case "<": return Values.Compare(left, right) < 0;
            case ">": return Values.Compare(left, right) > 0;
            case "<=": return Values.Compare(left, right) <= 0;
            case ">=": return Values.Compare(left, right) >= 0;
            case "in": return Contains(right, left);
            case "not in": return !Contains(right, left);
            case "~": return Values.Str(left) + Values.Str(right);
        }
        if (Values.IsNumber(left) && Values.IsNumber(right))
        {
            return Arithmetic(op, left, right);
        }
        switch (op, left, right)
        {
            case ("+", string a, string b):
                return a + b;
            case ("+", List<object?> a, List<object?> b):
                return a.Concat(b).ToList();
            // Python raises on str + dict/list/number; templates written against it still do it (DeepSeek-V3's joins a
            // tool call's arguments, which arrive as a mapping, to text), so join the value's text, as
            // @huggingface/jinja does (JSON for containers), instead of failing the request.
            case ("+", string a, List<object?> or JinjaDict or long or double):
                return a + Text(right);
            case ("+", List<object?> or JinjaDict or long or double, string b):
                return Text(left) + b;
            case ("*", string s, long or bool):
                return Repeat(s, Values.ToLong(right));
            case ("*", long or bool, string s):
                return Repeat(s, Values.ToLong(left));
            case ("*", List<object?> list, long or bool):
                return Enumerable.Repeat(list, (int)Math.Max(0, Values.ToLong(right))).SelectMany(x => x).ToList();
        }
        throw new TemplateException($"unsupported operand types for {op}: '{Values.TypeName(left)}' and '{Values.TypeName(right)}'");
    }

    private static string Text(object? value) => value is List<object?> or JinjaDict ? Json.Dumps(value) : Values.Str(value);

    public static object? Negate(object? operand) => operand switch
    {
        long n => (object)-n,
        double d => -d,
        bool b => b ? -1L : 0L,
        _ => throw new TemplateException($"bad operand type for unary -: '{Values.TypeName(operand)}'"),
    };

    private static object Arithmetic(string op, object? left, object? right)
    {
        if (left is double || right is double || op == "/")
        {
            double a = Values.ToDouble(left), b = Values.ToDouble(right);
            if (b == 0 && op is "/" or "//" or "%") throw new TemplateException("division by zero");
            return op switch
            {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "/" => a / b,
                "//" => Math.Floor(a / b),
                "%" => a - (b * Math.Floor(a / b)),
                "**" => Math.Pow(a, b),
                _ => throw new TemplateException($"unknown operator {op}"),
            };
        }
        long x = Values.ToLong(left), y = Values.ToLong(right);
        if (y == 0 && op is "//" or "%") throw new TemplateException("integer division or modulo by zero");
        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "//" => FloorDiv(x, y),
            "%" => x - (y * FloorDiv(x, y)),
            "**" => y >= 0 ? (object)(long)Math.Pow(x, y) : Math.Pow(x, y),
            _ => throw new TemplateException($"unknown operator {op}"),
        };
    }

    private static long FloorDiv(long x, long y)
    {
        long q = x / y;
        return (x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q;
    }

    private static string Repeat(string s, long count)
    {
        if (count <= 0) return "";
        if (count * s.Length > 10_000_000) throw new TemplateException("a repeated string would be larger than 10 million characters");
        return new StringBuilder(s.Length * (int)count).Insert(0, s, (int)count).ToString();
    }

    /// <summary>Python's <c>needle in haystack</c>.</summary>
    public static bool Contains(object? haystack, object? needle) => haystack switch
    {
        string s when needle is string n => s.Contains(n, StringComparison.Ordinal),
        string => throw new TemplateException($"'in <string>' requires string as left operand, not {Values.TypeName(needle)}"),
        List<object?> list => list.Any(item => Values.Equals(item, needle)),
        JinjaDict dict => needle is string key && dict.ContainsKey(key),
        JinjaNamespace ns => needle is string key && ns.Attributes.ContainsKey(key),
        Undefined => false,
        _ => throw new TemplateException($"argument of type '{Values.TypeName(haystack)}' is not iterable"),
    };
}
