namespace QwenMesh.Text.Templates.Jinja;

/// <summary>
/// <c>a.b</c>, <c>a[b]</c> and <c>a[x:y:z]</c> as Jinja resolves them on Python objects: dot tries the attribute
/// (a method such as <c>dict.items</c>) before the item, brackets the item before the attribute, and anything
/// missing is undefined rather than an error.
/// </summary>
internal static class Members
{
    public static object? Attribute(object? target, string name)
    {
        switch (target)
        {
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out object? attribute) ? attribute : Undefined.Value;
            case LoopInfo loop:
                return loop.Attribute(name);
            case JinjaDict dict:
                return (object?)Methods.Bind(dict, name) ?? (dict.TryGetValue(name, out object? value) ? value : Undefined.Value);
            case null or Undefined:
                return Undefined.Value;
            default:
                return (object?)Methods.Bind(target, name) ?? Undefined.Value;
        }
    }

    public static object? Item(object? target, object? index)
    {
        switch (target)
        {
            case JinjaDict dict:
                if (index is string key)
                {
                    return dict.TryGetValue(key, out object? value) ? value : (object?)Methods.Bind(dict, key) ?? Undefined.Value;
                }
                return Undefined.Value;
            case List<object?> list when index is long or bool:
                {
                    long i = Values.ToLong(index);
                    if (i < 0) i += list.Count;
                    return i >= 0 && i < list.Count ? list[(int)i] : Undefined.Value;
                }
            case string s when index is long or bool:
                {
                    long i = Values.ToLong(index);
                    if (i < 0) i += s.Length;
                    return i >= 0 && i < s.Length ? s[(int)i].ToString() : Undefined.Value;
                }
            case List<object?> or string when index is List<object?>:
                throw new TemplateException($"indices must be integers, not '{Values.TypeName(index)}'");
            default:
                return index is string name ? Attribute(target, name) : Undefined.Value;
        }
    }

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        long stepValue = step is null or Undefined ? 1 : Integer(step, "step");
        if (stepValue == 0) throw new TemplateException("slice step cannot be zero");
        int length = target switch
        {
            List<object?> list => list.Count,
            string s => s.Length,
            _ => throw new TemplateException($"'{Values.TypeName(target)}' object cannot be sliced"),
        };
        var indices = new List<int>();
        long first, last;
        if (stepValue > 0)
        {
            first = Clamp(start, length, 0, 0, length);
            last = Clamp(stop, length, length, 0, length);
            for (long i = first; i < last; i += stepValue) indices.Add((int)i);
        }
        else
        {
            first = Clamp(start, length, length - 1, -1, length - 1);
            last = Clamp(stop, length, -1, -1, length - 1);
            for (long i = first; i > last; i += stepValue) indices.Add((int)i);
        }
        return target is List<object?> items
            ? indices.Select(i => items[i]).ToList()
            : string.Concat(indices.Select(i => ((string)target)[i]));
    }

    // Python's slice.indices: a missing bound takes its default, a negative one counts from the end, then clamps.
    private static long Clamp(object? bound, int length, long missing, long low, long high)
    {
        if (bound is null or Undefined) return missing;
        long value = Integer(bound, "index");
        if (value < 0) value += length;
        return Math.Clamp(value, low, high);
    }

    private static long Integer(object? value, string what) => value is long or bool
        ? Values.ToLong(value)
        : throw new TemplateException($"slice {what} must be an integer, got '{Values.TypeName(value)}'");
}
