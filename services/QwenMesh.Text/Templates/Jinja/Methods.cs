using System.Globalization;
using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>The Python methods templates call on strings, dicts and lists (<c>content.split('x')</c>, <c>d.items()</c>).</summary>
internal static class Methods
{
    private static readonly char[] PythonWhitespace = [' ', '\t', '\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000'];

    /// <summary>The bound method <paramref name="name"/> of <paramref name="target"/>, or null if it has none.</summary>
    public static BuiltinFunction? Bind(object target, string name) => target switch
    {
        string s => StringMethod(s, name),
        JinjaDict dict => DictMethod(dict, name),
        List<object?> list => ListMethod(list, name),
        _ => null,
    };

    private static BuiltinFunction? StringMethod(string s, string name)
    {
        Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?>? body = name switch
        {
            "startswith" => (a, _) => Affix(s, Arg(a, 0, name), s.StartsWith),
            "endswith" => (a, _) => Affix(s, Arg(a, 0, name), s.EndsWith),
            "strip" => (a, _) => s.Trim(Chars(a)),
            "lstrip" => (a, _) => s.TrimStart(Chars(a)),
            "rstrip" => (a, _) => s.TrimEnd(Chars(a)),
            "split" => (a, n) => Split(s, Opt(a, n, 0, "sep"), Opt(a, n, 1, "maxsplit"), fromRight: false),
            "rsplit" => (a, n) => Split(s, Opt(a, n, 0, "sep"), Opt(a, n, 1, "maxsplit"), fromRight: true),
            "splitlines" => (_, _) => SplitLines(s),
            "replace" => (a, n) => Replace(s, Str(Arg(a, 0, name), name), Str(Arg(a, 1, name), name), Opt(a, n, 2, "count")),
            "upper" => (_, _) => s.ToUpperInvariant(),
            "lower" => (_, _) => s.ToLowerInvariant(),
            "title" => (_, _) => Title(s),
            "capitalize" => (_, _) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant(),
            "join" => (a, _) => string.Join(s, Values.Iterate(Arg(a, 0, name)).Select(Values.Str)),
            "find" => (a, _) => (long)s.IndexOf(Str(Arg(a, 0, name), name), StringComparison.Ordinal),
            "rfind" => (a, _) => (long)s.LastIndexOf(Str(Arg(a, 0, name), name), StringComparison.Ordinal),
            "count" => (a, _) => (long)Count(s, Str(Arg(a, 0, name), name)),
            "isdigit" => (_, _) => s.Length > 0 && s.All(char.IsDigit),
            "isalpha" => (_, _) => s.Length > 0 && s.All(char.IsLetter),
            "isalnum" => (_, _) => s.Length > 0 && s.All(char.IsLetterOrDigit),
            "isspace" => (_, _) => s.Length > 0 && s.All(c => PythonWhitespace.Contains(c)),
            "islower" => (_, _) => s.Any(char.IsLetter) && s == s.ToLowerInvariant(),
            "isupper" => (_, _) => s.Any(char.IsLetter) && s == s.ToUpperInvariant(),
            "format" => (a, n) => Format(s, a, n),
            _ => null,
        };
        return body is null ? null : new BuiltinFunction(name, body);
    }

    private static BuiltinFunction? DictMethod(JinjaDict dict, string name)
    {
        Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?>? body = name switch
        {
            "get" => (a, _) => Arg(a, 0, name) is string key && dict.TryGetValue(key, out object? value) ? value : a.Count > 1 ? a[1] : null,
            "items" => (_, _) => dict.Select(pair => (object?)new List<object?> { pair.Key, pair.Value }).ToList(),
            "keys" => (_, _) => dict.Keys.Cast<object?>().ToList(),
            "values" => (_, _) => dict.Values.ToList(),
            "copy" => (_, _) => Copy(dict),
            _ => null,
        };
        return body is null ? null : new BuiltinFunction(name, body);
    }

    private static BuiltinFunction? ListMethod(List<object?> list, string name)
    {
        Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?>? body = name switch
        {
            "append" => (a, _) =>
            {
                list.Add(Arg(a, 0, name));
                return null;
            },
            "pop" => (a, _) =>
            {
                if (list.Count == 0) throw new TemplateException("pop from empty list");
                long at = a.Count > 0 ? Values.ToLong(a[0]) : -1;
                if (at < 0) at += list.Count;
                if (at < 0 || at >= list.Count) throw new TemplateException("pop index out of range");
                object? item = list[(int)at];
                list.RemoveAt((int)at);
                return item;
            },
            "index" => (a, _) =>
            {
                int at = list.FindIndex(item => Values.Equals(item, Arg(a, 0, name)));
                return at >= 0 ? at : throw new TemplateException($"{Values.Repr(a[0])} is not in list");
            },
            "count" => (a, _) => (long)list.Count(item => Values.Equals(item, Arg(a, 0, name))),
            _ => null,
        };
        return body is null ? null : new BuiltinFunction(name, body);
    }

    private static JinjaDict Copy(JinjaDict dict)
    {
        var copy = new JinjaDict();
        foreach ((string key, object? value) in dict) copy[key] = value;
        return copy;
    }

    private static object? Arg(IReadOnlyList<object?> args, int index, string method) =>
        index < args.Count ? args[index] : throw new TemplateException($"{method}() is missing argument {index + 1}");

    private static object? Opt(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named, int index, string name) =>
        index < args.Count ? args[index] : named.TryGetValue(name, out object? value) ? value : null;

    private static string Str(object? value, string method) => value as string
        ?? throw new TemplateException($"{method}() needs a string argument, got '{Values.TypeName(value)}'");

    private static char[] Chars(IReadOnlyList<object?> args) => args.Count == 0 || args[0] is null
        ? PythonWhitespace
        : Str(args[0], "strip").ToCharArray();

    private static bool Affix(string s, object? affix, Func<string, StringComparison, bool> test) => affix switch
    {
        string text => test(text, StringComparison.Ordinal),
        List<object?> options => options.Any(o => o is string text && test(text, StringComparison.Ordinal)),
        _ => throw new TemplateException($"startswith/endswith needs a string or a tuple of strings, got '{Values.TypeName(affix)}'"),
    };

    private static List<object?> Split(string s, object? sep, object? maxsplit, bool fromRight)
    {
        long max = maxsplit is null ? -1 : Values.ToLong(maxsplit);
        List<string> parts;
        if (sep is null)
        {
            parts = s.Split(PythonWhitespace, StringSplitOptions.RemoveEmptyEntries).ToList();
            if (max >= 0 && parts.Count > max + 1)
            {
                // Re-split keeping the remainder intact, as Python does.
                parts = SplitWhitespaceLimited(s, (int)max, fromRight);
            }
        }
        else
        {
            string separator = Str(sep, "split");
            if (separator.Length == 0) throw new TemplateException("empty separator");
            parts = s.Split(separator).ToList();
            if (max >= 0 && parts.Count > max + 1)
            {
                int keep = (int)max;
                parts = fromRight
                    ? [string.Join(separator, parts.Take(parts.Count - keep)), .. parts.Skip(parts.Count - keep)]
                    : [.. parts.Take(keep), string.Join(separator, parts.Skip(keep))];
            }
        }
        return parts.Cast<object?>().ToList();
    }

    private static List<string> SplitWhitespaceLimited(string s, int max, bool fromRight)
    {
        var parts = new List<string>();
        if (fromRight)
        {
            string rest = s.TrimEnd(PythonWhitespace);
            while (parts.Count < max)
            {
                int at = rest.LastIndexOfAny(PythonWhitespace);
                if (at < 0) break;
                parts.Insert(0, rest[(at + 1)..]);
                rest = rest[..at].TrimEnd(PythonWhitespace);
            }
            if (rest.Length > 0) parts.Insert(0, rest);
            return parts;
        }
        string remaining = s.TrimStart(PythonWhitespace);
        while (parts.Count < max)
        {
            int at = remaining.IndexOfAny(PythonWhitespace);
            if (at < 0) break;
            parts.Add(remaining[..at]);
            remaining = remaining[at..].TrimStart(PythonWhitespace);
        }
        if (remaining.Length > 0) parts.Add(remaining);
        return parts;
    }

    private static List<object?> SplitLines(string s)
    {
        var lines = new List<object?>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('\n' or '\r')) continue;
            lines.Add(s[start..i]);
            if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    private static string Replace(string s, string old, string replacement, object? count)
    {
        long limit = count is null ? -1 : Values.ToLong(count);
        if (limit < 0) return old.Length == 0 ? Interleave(s, replacement) : s.Replace(old, replacement, StringComparison.Ordinal);
        var result = new StringBuilder();
        int from = 0;
        for (long done = 0; done < limit; done++)
        {
            int at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            result.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
        }
        return result.Append(s, from, s.Length - from).ToString();
    }

    private static string Interleave(string s, string between)
    {
        var result = new StringBuilder(between);
        foreach (char c in s) result.Append(c).Append(between);
        return result.ToString();
    }

    private static int Count(string s, string part)
    {
        if (part.Length == 0) return s.Length + 1;
        int count = 0;
        for (int at = s.IndexOf(part, StringComparison.Ordinal); at >= 0; at = s.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    public static string Title(string s)
    {
        var result = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            result.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return result.ToString();
    }

    // str.format with {} / {0} / {name} fields: what templates use it for.
    private static string Format(string s, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named)
    {
        var result = new StringBuilder();
        int next = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{') { result.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < s.Length && s[i + 1] == '}') { result.Append('}'); i++; continue; }
            if (c != '{') { result.Append(c); continue; }
            int close = s.IndexOf('}', i);
            if (close < 0) throw new TemplateException("Single '{' encountered in format string");
            string field = s[(i + 1)..close];
            object? value = field.Length == 0 ? Arg(args, next++, "format")
                : int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? Arg(args, index, "format")
                : named.TryGetValue(field, out object? v) ? v : throw new TemplateException($"format() has no argument '{field}'");
            result.Append(Values.Str(value));
            i = close;
        }
        return result.ToString();
    }
}
