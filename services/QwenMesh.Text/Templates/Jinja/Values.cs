using System.Globalization;
using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>A name or attribute that has no value: falsy, prints as "", iterates as empty, and has only undefined attributes.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Value = new();

    private Undefined()
    {
    }
}

/// <summary>A mapping with insertion order kept (Python dicts keep it, and templates print tool schemas in order).</summary>
internal sealed class JinjaDict : OrderedDictionary<string, object?>
{
    public JinjaDict()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary><c>namespace(...)</c>: the one object a template may change from inside a loop.</summary>
internal sealed class JinjaNamespace
{
    public JinjaDict Attributes { get; } = new();
}

/// <summary>Something a template can call: a macro, a builtin, or a bound method such as <c>'a'.startswith</c>.</summary>
internal interface ICallable
{
    object? Call(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named);
}

internal sealed class BuiltinFunction(string name, Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?> body) : ICallable
{
    public string Name { get; } = name;

    public object? Call(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named) => body(positional, named);
}

/// <summary>Python semantics of the values templates compute with: truth, str(), repr(), ==, ordering.</summary>
internal static class Values
{
    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long n => n != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        JinjaDict dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>Python's <c>str(value)</c>, which is what <c>{{ value }}</c> prints.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        null => "None",
        bool b => b ? "True" : "False",
        long n => n.ToString(CultureInfo.InvariantCulture),
        double d => PythonFloat.Str(d),
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr(value)</c>, used when containers print.</summary>
    public static string Repr(object? value)
    {
        var text = new StringBuilder();
        AppendRepr(text, value);
        return text.ToString();
    }

    private static void AppendRepr(StringBuilder text, object? value)
    {
        switch (value)
        {
            case string s:
                AppendStringRepr(text, s);
                break;
            case List<object?> list:
                text.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) text.Append(", ");
                    AppendRepr(text, list[i]);
                }
                text.Append(']');
                break;
            case JinjaDict dict:
                text.Append('{');
                bool first = true;
                foreach ((string key, object? item) in dict)
                {
                    if (!first) text.Append(", ");
                    first = false;
                    AppendStringRepr(text, key);
                    text.Append(": ");
                    AppendRepr(text, item);
                }
                text.Append('}');
                break;
            case JinjaNamespace ns:
                text.Append("<Namespace ");
                AppendRepr(text, ns.Attributes);
                text.Append('>');
                break;
            case ICallable:
                text.Append("<function>");
                break;
            case LoopInfo:
                text.Append("<LoopContext>");
                break;
            default:
                text.Append(Str(value));
                break;
        }
    }

    private static void AppendStringRepr(StringBuilder text, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        text.Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c == quote) text.Append('\\').Append(c);
                    else if (c < ' ' || c == '\x7f') text.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append(quote);
    }

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        JinjaDict => "dict",
        JinjaNamespace => "Namespace",
        ICallable => "function",
        LoopInfo => "LoopContext",
        _ => value.GetType().Name,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static double ToDouble(object? value) => value switch
    {
        long n => n,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Python's <c>==</c>: numbers compare across int, float and bool; containers element by element.</summary>
    public static new bool Equals(object? a, object? b)
    {
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        }
        switch (a)
        {
            case string s:
                return b is string t && string.Equals(s, t, StringComparison.Ordinal);
            case List<object?> list:
                if (b is not List<object?> other || other.Count != list.Count) return false;
                for (int i = 0; i < list.Count; i++)
                {
                    if (!Equals(list[i], other[i])) return false;
                }
                return true;
            case JinjaDict dict:
                if (b is not JinjaDict otherDict || otherDict.Count != dict.Count) return false;
                foreach ((string key, object? item) in dict)
                {
                    if (!otherDict.TryGetValue(key, out object? otherItem) || !Equals(item, otherItem)) return false;
                }
                return true;
            default:
                return ReferenceEquals(a, b);
        }
    }

    /// <summary>Python ordering (&lt;, &gt;, sort): numbers, strings by code unit, lists lexicographically.</summary>
    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        }
        if (a is string s && b is string t)
        {
            return Math.Sign(string.CompareOrdinal(s, t));
        }
        if (a is List<object?> x && b is List<object?> y)
        {
            for (int i = 0; i < Math.Min(x.Count, y.Count); i++)
            {
                if (!Equals(x[i], y[i])) return Compare(x[i], y[i]);
            }
            return x.Count.CompareTo(y.Count);
        }
        throw new TemplateException($"'<' is not supported between '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static long ToLong(object? value) => value switch
    {
        long n => n,
        bool b => b ? 1 : 0,
        double d => (long)d,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>What a for loop walks: list items, dict keys, string characters; undefined walks nothing.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        JinjaDict dict => dict.Keys.Cast<object?>().ToList(),
        string s => s.Select(c => (object?)c.ToString()).ToList(),
        Undefined => [],
        JinjaNamespace ns => ns.Attributes.Keys.Cast<object?>().ToList(),
        _ => throw new TemplateException($"'{TypeName(value)}' object is not iterable"),
    };

    public static int Length(object? value) => value switch
    {
        string s => s.Length,
        List<object?> list => list.Count,
        JinjaDict dict => dict.Count,
        Undefined => 0,
        _ => throw new TemplateException($"object of type '{TypeName(value)}' has no len()"),
    };
}
