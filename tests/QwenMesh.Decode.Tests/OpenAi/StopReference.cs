namespace QwenMesh.Decode.Tests.OpenAi;

/// <summary>Stop strings applied to a whole text the slow, obvious way: the reference streaming must agree with.</summary>
static class StopReference
{
    public static (string Text, bool Stopped) Truncate(string text, IReadOnlyList<string> stops)
    {
        for (int at = 0; at < text.Length; at++)
        {
            if (stops.Any(stop => text.AsSpan(at).StartsWith(stop, StringComparison.Ordinal))) return (text[..at], true);
        }
        return (text, false);
    }

    /// <summary>What may be sent after seeing <paramref name="seen"/>: all of it except an ending that could still start a stop.</summary>
    public static string Releasable(string seen, IReadOnlyList<string> stops)
    {
        var (text, stopped) = Truncate(seen, stops);
        if (stopped) return text;
        for (int at = 0; at < seen.Length; at++)
        {
            string ending = seen[at..];
            if (stops.Any(stop => stop.Length > ending.Length && stop.StartsWith(ending, StringComparison.Ordinal))) return seen[..at];
        }
        return seen;
    }
}
