namespace QwenMesh.Text.Templates.Jinja;

/// <summary>The <c>loop</c> variable inside a for loop.</summary>
internal sealed class LoopInfo(IReadOnlyList<object?> items, int index)
{
    public object? Attribute(string name) => name switch
    {
        "index" => (long)index + 1,
        "index0" => (long)index,
        "revindex" => (long)(items.Count - index),
        "revindex0" => (long)(items.Count - index - 1),
        "first" => index == 0,
        "last" => index == items.Count - 1,
        "length" => (long)items.Count,
        "previtem" => index > 0 ? items[index - 1] : Undefined.Value,
        "nextitem" => index + 1 < items.Count ? items[index + 1] : Undefined.Value,
        "depth" => 1L,
        "depth0" => 0L,
        "cycle" => new BuiltinFunction("cycle", (args, _) =>
            args.Count == 0 ? throw new TemplateException("loop.cycle() needs at least one value") : args[index % args.Count]),
        _ => Undefined.Value,
    };
}
