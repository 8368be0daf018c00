using System.Globalization;
using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>The functions every chat template can call: Jinja's own and the ones transformers adds.</summary>
internal static class Globals
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "range", "namespace", "dict", "raise_exception", "strftime_now",
    };

    public static void AddTo(Scope scope, Func<DateTime> now)
    {
        scope.Set("range", new BuiltinFunction("range", (args, _) => Range(args)));
        scope.Set("namespace", new BuiltinFunction("namespace", (args, named) => Namespace(args, named)));
        scope.Set("dict", new BuiltinFunction("dict", (args, named) => Dict(args, named)));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception", (args, _) =>
            throw new TemplateException(args.Count > 0 ? Values.Str(args[0]) : "the template raised an exception") { RaisedByTemplate = true }));
        scope.Set("strftime_now", new BuiltinFunction("strftime_now", (args, _) =>
            Strftime(now(), args.Count > 0 ? Values.Str(args[0]) : throw new TemplateException("strftime_now() needs a format"))));
    }

    private static List<object?> Range(IReadOnlyList<object?> args)
    {
        long start = 0, stop, step = 1;
        switch (args.Count)
        {
            case 1: stop = Integer(args[0]); break;
            case 2: start = Integer(args[0]); stop = Integer(args[1]); break;
            case 3: start = Integer(args[0]); stop = Integer(args[1]); step = Integer(args[2]); break;
            default: throw new TemplateException($"range expected 1 to 3 arguments, got {args.Count}");
        }
        if (step == 0) throw new TemplateException("range() arg 3 must not be zero");
        var items = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (items.Count >= 1_000_000) throw new TemplateException("range() is limited to a million items");
            items.Add(i);
        }
        return items;
    }

    private static JinjaNamespace Namespace(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named)
    {
        var ns = new JinjaNamespace();
        foreach ((string key, object? value) in Dict(args, named)) ns.Attributes[key] = value;
        return ns;
    }

    private static JinjaDict Dict(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named)
    {
        var dict = new JinjaDict();
        if (args.Count > 1) throw new TemplateException($"expected at most 1 positional argument, got {args.Count}");
        if (args.Count == 1)
        {
            if (args[0] is JinjaDict source)
            {
                foreach ((string key, object? value) in source) dict[key] = value;
            }
            else
            {
                foreach (object? pair in Values.Iterate(args[0]))
                {
                    if (pair is not List<object?> { Count: 2 } kv || kv[0] is not string key)
                    {
                        throw new TemplateException("expected an iterable of (string, value) pairs");
                    }
                    dict[key] = kv[1];
                }
            }
        }
        foreach ((string key, object? value) in named) dict[key] = value;
        return dict;
    }

    private static long Integer(object? value) => value is long or bool
        ? Values.ToLong(value)
        : throw new TemplateException($"'{Values.TypeName(value)}' object cannot be interpreted as an integer");

    // Python's datetime.strftime for the directives templates use (dates in system prompts).
    private static string Strftime(DateTime time, string format)
    {
        var result = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                result.Append(format[i]);
                continue;
            }
            char directive = format[++i];
            bool noPad = false;
            if (directive == '-' && i + 1 < format.Length)
            {
                noPad = true;
                directive = format[++i];
            }
            string Pad(int n, int width) => noPad ? n.ToString(c) : n.ToString(c).PadLeft(width, '0');
            result.Append(directive switch
            {
                'Y' => time.Year.ToString(c),
                'y' => Pad(time.Year % 100, 2),
                'm' => Pad(time.Month, 2),
                'd' => Pad(time.Day, 2),
                'e' => time.Day.ToString(c).PadLeft(2),
                'H' => Pad(time.Hour, 2),
                'I' => Pad(time.Hour % 12 == 0 ? 12 : time.Hour % 12, 2),
                'M' => Pad(time.Minute, 2),
                'S' => Pad(time.Second, 2),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'j' => Pad(time.DayOfYear, 3),
                'b' or 'h' => c.DateTimeFormat.GetAbbreviatedMonthName(time.Month),
                'B' => c.DateTimeFormat.GetMonthName(time.Month),
                'a' => c.DateTimeFormat.GetAbbreviatedDayName(time.DayOfWeek),
                'A' => c.DateTimeFormat.GetDayName(time.DayOfWeek),
                'w' => ((int)time.DayOfWeek).ToString(c),
                '%' => "%",
                _ => "%" + directive,
            });
        }
        return result.ToString();
    }
}
