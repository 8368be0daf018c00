using System.Globalization;
using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>The filters of <c>x | name(args)</c>: Jinja's builtins that chat templates use, plus transformers' <c>tojson</c>.</summary>
internal static class Filters
{
    public static object? Apply(string name, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named)
    {
        object? Opt(int index, string key, object? fallback = null) =>
            index < args.Count ? args[index] : named.TryGetValue(key, out object? v) ? v : fallback;

        switch (name)
        {
            case "safe":
            case "string" when value is string:
                return value;
            case "string":
                return Values.Str(value);
            case "e":
            case "escape":
            case "forceescape":
                return Escape(Values.Str(value));
            case "length":
            case "count":
                return (long)Values.Length(value);
            case "trim":
                {
                    string text = Values.Str(value);
                    object? chars = Opt(0, "chars");
                    return chars is string c ? text.Trim(c.ToCharArray()) : Methods.Bind(text, "strip")!.Call([], Empty);
                }
            case "upper":
                return Values.Str(value).ToUpperInvariant();
            case "lower":
                return Values.Str(value).ToLowerInvariant();
            case "title":
                return Methods.Title(Values.Str(value));
            case "capitalize":
                {
                    string text = Values.Str(value);
                    return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();
                }
            case "replace":
                return Methods.Bind(Values.Str(value), "replace")!.Call(args, named);
            case "default":
            case "d":
                {
                    bool boolean = Values.Truthy(Opt(1, "boolean", false));
                    return value is Undefined || (boolean && !Values.Truthy(value)) ? Opt(0, "default_value", "") : value;
                }
            case "first":
                return Sequence(value, name) is { Count: > 0 } firstItems ? firstItems[0] : Undefined.Value;
            case "last":
                return Sequence(value, name) is { Count: > 0 } lastItems ? lastItems[^1] : Undefined.Value;
            case "list":
                return Sequence(value, name).ToList();
            case "reverse":
                return value is string reversed ? new string(reversed.Reverse().ToArray()) : Sequence(value, name).Reverse().ToList();
            case "join":
                {
                    string separator = Values.Str(Opt(0, "d", ""));
                    object? attribute = Opt(1, "attribute");
                    IEnumerable<object?> items = Sequence(value, name);
                    if (attribute is not null) items = items.Select(item => Path(item, attribute));
                    return string.Join(separator, items.Select(Values.Str));
                }
            case "items":
                return value switch
                {
                    JinjaDict dict => dict.Select(pair => (object?)new List<object?> { pair.Key, pair.Value }).ToList(),
                    Undefined => new List<object?>(),
                    _ => throw new TemplateException($"the items filter needs a mapping, got '{Values.TypeName(value)}'"),
                };
            case "dictsort":
                {
                    if (value is not JinjaDict dict) throw new TemplateException($"dictsort needs a mapping, got '{Values.TypeName(value)}'");
                    bool caseSensitive = Values.Truthy(Opt(0, "case_sensitive", false));
                    bool byValue = Values.Str(Opt(1, "by", "key")) == "value";
                    bool reverse = Values.Truthy(Opt(2, "reverse", false));
                    var pairs = dict.Select(pair => new List<object?> { pair.Key, pair.Value }).ToList();
                    pairs.Sort((a, b) => Values.Compare(SortKey(a[byValue ? 1 : 0], caseSensitive), SortKey(b[byValue ? 1 : 0], caseSensitive)));
                    if (reverse) pairs.Reverse();
                    return pairs.Cast<object?>().ToList();
                }
            case "sort":
                {
                    bool reverse = Values.Truthy(Opt(0, "reverse", false));
                    bool caseSensitive = Values.Truthy(Opt(1, "case_sensitive", false));
                    object? attribute = Opt(2, "attribute");
                    var items = Sequence(value, name).ToList();
                    object? Key(object? item) => SortKey(attribute is null ? item : Path(item, attribute), caseSensitive);
                    var sorted = items.Select((item, index) => (item, index)).ToList();
                    sorted.Sort((a, b) =>
                    {
                        int order = Values.Compare(Key(a.item), Key(b.item));
                        return order != 0 ? (reverse ? -order : order) : a.index.CompareTo(b.index);
                    });
                    return sorted.Select(pair => pair.item).ToList();
                }
            case "unique":
                {
                    var unique = new List<object?>();
                    foreach (object? item in Sequence(value, name))
                    {
                        if (!unique.Any(seen => Values.Equals(SortKey(seen, false), SortKey(item, false)))) unique.Add(item);
                    }
                    return unique;
                }
            case "map":
                {
                    IEnumerable<object?> items = Sequence(value, name);
                    if (named.TryGetValue("attribute", out object? attribute))
                    {
                        object? fallback = named.TryGetValue("default", out object? d) ? d : Undefined.Value;
                        return items.Select(item => Path(item, attribute) is Undefined ? fallback : Path(item, attribute)).ToList();
                    }
                    string filter = args.Count > 0 && args[0] is string f ? f : throw new TemplateException("map needs a filter name or attribute=");
                    return items.Select(item => Apply(filter, item, args.Skip(1).ToList(), Empty)).ToList();
                }
            case "select":
            case "reject":
                {
                    bool keep = name == "select";
                    string? test = args.Count > 0 ? args[0] as string : null;
                    var rest = args.Skip(1).ToList();
                    return Sequence(value, name)
                        .Where(item => (test is null ? Values.Truthy(item) : JinjaTests.Run(test, item, rest)) == keep)
                        .ToList();
                }
            case "selectattr":
            case "rejectattr":
                {
                    bool keep = name == "selectattr";
                    object? attribute = args.Count > 0 ? args[0] : throw new TemplateException($"{name} needs an attribute name");
                    string? test = args.Count > 1 ? args[1] as string : null;
                    var rest = args.Skip(2).ToList();
                    return Sequence(value, name)
                        .Where(item =>
                        {
                            object? field = Path(item, attribute);
                            return (test is null ? Values.Truthy(field) : JinjaTests.Run(test, field, rest)) == keep;
                        })
                        .ToList();
                }
            case "attr":
                return Members.Attribute(value, Values.Str(Opt(0, "name")));
            case "tojson":
                {
                    object? indent = Opt(0, "indent");
                    string? items = null, keys = null;
                    if (Opt(1, "separators") is List<object?> { Count: 2 } separators)
                    {
                        items = Values.Str(separators[0]);
                        keys = Values.Str(separators[1]);
                    }
                    return Json.Dumps(value, indent is null ? null : Values.ToLong(indent), items, keys, Values.Truthy(Opt(2, "sort_keys", false)));
                }
            case "int":
                return ToInt(value, Opt(0, "default", 0L));
            case "float":
                return ToFloat(value, Opt(0, "default", 0.0));
            case "abs":
                return value switch
                {
                    long n => (object)Math.Abs(n),
                    double d => Math.Abs(d),
                    bool b => b ? 1L : 0L,
                    _ => throw new TemplateException($"bad operand type for abs(): '{Values.TypeName(value)}'"),
                };
            case "round":
                {
                    long precision = Values.ToLong(Opt(0, "precision", 0L));
                    string method = Values.Str(Opt(1, "method", "common"));
                    double number = Values.ToDouble(value);
                    double scale = Math.Pow(10, precision);
                    double rounded = method switch
                    {
                        "ceil" => Math.Ceiling(number * scale) / scale,
                        "floor" => Math.Floor(number * scale) / scale,
                        _ => Math.Round(number * scale, MidpointRounding.AwayFromZero) / scale,
                    };
                    return rounded;
                }
            case "sum":
                {
                    object? total = Opt(1, "start", 0L);
                    object? attribute = Opt(0, "attribute");
                    foreach (object? item in Sequence(value, name))
                    {
                        total = Operators.Binary("+", total, attribute is null ? item : Path(item, attribute));
                    }
                    return total;
                }
            case "min":
            case "max":
                {
                    var items = Sequence(value, name).ToList();
                    if (items.Count == 0) return Undefined.Value;
                    object? best = items[0];
                    foreach (object? item in items.Skip(1))
                    {
                        int order = Values.Compare(SortKey(item, false), SortKey(best, false));
                        if (name == "min" ? order < 0 : order > 0) best = item;
                    }
                    return best;
                }
            case "indent":
                {
                    object? width = Opt(0, "width", 4L);
                    string pad = width is string s ? s : new string(' ', (int)Values.ToLong(width));
                    bool first = Values.Truthy(Opt(1, "first", false));
                    bool blank = Values.Truthy(Opt(2, "blank", false));
                    string[] lines = Values.Str(value).Split('\n');
                    var result = new StringBuilder();
                    for (int i = 0; i < lines.Length; i++)
                    {
                        if (i > 0) result.Append('\n');
                        bool indentIt = (i > 0 || first) && (blank || lines[i].Length > 0);
                        result.Append(indentIt ? pad : "").Append(lines[i]);
                    }
                    return result.ToString();
                }
            case "wordcount":
                return (long)Values.Str(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            case "batch":
                {
                    long size = Values.ToLong(Opt(0, "linecount"));
                    if (size <= 0) throw new TemplateException("batch needs a positive size");
                    return Sequence(value, name).Chunk((int)size).Select(chunk => (object?)chunk.ToList()).ToList();
                }
            default:
                throw new TemplateException($"no filter named '{name}'");
        }
    }

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    private static IReadOnlyList<object?> Sequence(object? value, string filter) => value is null
        ? throw new TemplateException($"the {filter} filter cannot walk None")
        : Values.Iterate(value);

    // `attribute` of map/selectattr/sort/join: a name, a dotted path or an index.
    private static object? Path(object? item, object? attribute)
    {
        if (attribute is long index) return Members.Item(item, index);
        foreach (string part in Values.Str(attribute).Split('.'))
        {
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long i) && item is List<object?>
                ? Members.Item(item, i)
                : Members.Item(item, part);
        }
        return item;
    }

    // markupsafe's escape, which Jinja's |e applies even with autoescaping off.
    private static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal)
        .Replace("\"", "&#34;", StringComparison.Ordinal);

    private static object? SortKey(object? value, bool caseSensitive) =>
        !caseSensitive && value is string s ? s.ToLowerInvariant() : value;

    private static object? ToInt(object? value, object? fallback) => value switch
    {
        long n => n,
        bool b => b ? 1L : 0L,
        double d => (long)Math.Truncate(d),
        string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) => n,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => (long)Math.Truncate(d),
        _ => fallback,
    };

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        long n => (double)n,
        bool b => b ? 1.0 : 0.0,
        double d => d,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => fallback,
    };
}
