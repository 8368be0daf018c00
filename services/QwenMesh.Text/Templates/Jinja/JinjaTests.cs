namespace QwenMesh.Text.Templates.Jinja;

/// <summary>The tests of <c>x is name</c> / <c>x is not name</c>.</summary>
internal static class JinjaTests
{
    public static bool Run(string name, object? value, IReadOnlyList<object?> args) => name switch
    {
        "defined" => value is not Undefined,
        "undefined" => value is Undefined,
        "none" => value is null,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "string" => value is string,
        "number" => value is long or double,
        "integer" => value is long,
        "float" => value is double,
        "mapping" => value is JinjaDict,
        "iterable" => value is string or List<object?> or JinjaDict or JinjaNamespace,
        "sequence" => value is string or List<object?> or JinjaDict,
        "callable" => value is ICallable,
        "lower" => value is string s && s == s.ToLowerInvariant(),
        "upper" => value is string s && s == s.ToUpperInvariant(),
        "odd" => Integer(value, name) % 2 != 0,
        "even" => Integer(value, name) % 2 == 0,
        "divisibleby" => Integer(value, name) % Integer(Arg(args, name), name) == 0,
        "eq" or "equalto" or "==" => Values.Equals(value, Arg(args, name)),
        "ne" or "!=" => !Values.Equals(value, Arg(args, name)),
        "lt" or "lessthan" or "<" => Values.Compare(value, Arg(args, name)) < 0,
        "le" or "<=" => Values.Compare(value, Arg(args, name)) <= 0,
        "gt" or "greaterthan" or ">" => Values.Compare(value, Arg(args, name)) > 0,
        "ge" or ">=" => Values.Compare(value, Arg(args, name)) >= 0,
        "in" => Operators.Contains(Arg(args, name), value),
        "sameas" => SameAs(value, Arg(args, name)),
        _ => throw new TemplateException($"no test named '{name}'"),
    };

    // `is sameas` is identity: for the singletons templates compare (true, false, none), value equality of the same type.
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (Undefined, Undefined) => true,
        _ => ReferenceEquals(a, b),
    };

    private static object? Arg(IReadOnlyList<object?> args, string test) =>
        args.Count > 0 ? args[0] : throw new TemplateException($"the test '{test}' needs an argument");

    private static long Integer(object? value, string test) => value is long or bool
        ? Values.ToLong(value)
        : throw new TemplateException($"the test '{test}' needs an integer, got '{Values.TypeName(value)}'");
}
