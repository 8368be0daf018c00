using System.Globalization;
using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>
/// The <c>tojson</c> filter as transformers defines it: Python's <c>json.dumps(x, ensure_ascii=False, indent=...,
/// separators=..., sort_keys=...)</c>. Defaults are ", " and ": " (", " becomes "," once indenting), keys in insertion
/// order, non-ASCII kept. The model saw tool schemas printed this way, so the spacing matters.
/// </summary>
internal static class Json
{
    public static string Dumps(object? value, long? indent = null, string? itemSeparator = null, string? keySeparator = null, bool sortKeys = false)
    {
        var output = new StringBuilder();
        string items = itemSeparator ?? (indent is null ? ", " : ",");
        Write(output, value, indent, items, keySeparator ?? ": ", sortKeys, 0);
        return output.ToString();
    }

    private static void Write(StringBuilder output, object? value, long? indent, string items, string keys, bool sortKeys, int depth)
    {
        if (depth > 500) throw new TemplateException("tojson: the value nests deeper than 500 levels");
        switch (value)
        {
            case null:
                output.Append("null");
                break;
            case bool b:
                output.Append(b ? "true" : "false");
                break;
            case long n:
                output.Append(n.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                output.Append(PythonFloat.Repr(d));
                break;
            case string s:
                WriteString(output, s);
                break;
            case List<object?> list:
                if (list.Count == 0)
                {
                    output.Append("[]");
                    break;
                }
                output.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) output.Append(items);
                    NewLine(output, indent, depth + 1);
                    Write(output, list[i], indent, items, keys, sortKeys, depth + 1);
                }
                NewLine(output, indent, depth);
                output.Append(']');
                break;
            case JinjaDict or JinjaNamespace:
                {
                    JinjaDict dict = value as JinjaDict ?? ((JinjaNamespace)value).Attributes;
                    if (dict.Count == 0)
                    {
                        output.Append("{}");
                        break;
                    }
                    IEnumerable<KeyValuePair<string, object?>> pairs = sortKeys ? dict.OrderBy(p => p.Key, StringComparer.Ordinal) : dict;
                    output.Append('{');
                    bool first = true;
                    foreach ((string key, object? item) in pairs)
                    {
                        if (!first) output.Append(items);
                        first = false;
                        NewLine(output, indent, depth + 1);
                        WriteString(output, key);
                        output.Append(keys);
                        Write(output, item, indent, items, keys, sortKeys, depth + 1);
                    }
                    NewLine(output, indent, depth);
                    output.Append('}');
                    break;
                }
            default:
                throw new TemplateException($"Object of type {Values.TypeName(value)} is not JSON serializable");
        }
    }

    private static void NewLine(StringBuilder output, long? indent, int depth)
    {
        if (indent is null) return;
        output.Append('\n').Append(' ', (int)(indent.Value * depth));
    }

    // ensure_ascii=False: only the quote, the backslash and control characters are escaped.
    public static void WriteString(StringBuilder output, string text)
    {
        output.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': output.Append("\\\""); break;
                case '\\': output.Append("\\\\"); break;
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                case '\b': output.Append("\\b"); break;
                case '\f': output.Append("\\f"); break;
                case < ' ': output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: output.Append(c); break;
            }
        }
        output.Append('"');
    }
}
