namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// Applies a request's stop strings to streamed text. Text that might be the start of a stop string is held back
/// until the next deltas decide it; on a match the output ends right before the stop string, which is never sent
/// (OpenAI's behaviour). Matching is ordinal, on UTF-16 code units.
/// </summary>
public sealed class StopSequenceMatcher
{
    readonly string[] _stops;
    readonly int _longestStop;
    string _held = "";

    public StopSequenceMatcher(IReadOnlyList<string> stops)
    {
        if (stops.Any(string.IsNullOrEmpty)) throw new ArgumentException("stop strings must be non-empty", nameof(stops));
        _stops = [.. stops];
        _longestStop = _stops.Length == 0 ? 0 : _stops.Max(s => s.Length);
    }

    /// <summary>True once a stop string was found; later deltas are ignored.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Takes the next piece of generated text and returns what can be sent now.</summary>
    public StopFeed Feed(string delta)
    {
        if (Stopped) return new StopFeed("", true);
        if (_stops.Length == 0) return new StopFeed(delta, false);

        string text = _held + delta;
        // The earliest match wins: text before an earlier-starting stop string must never be sent past it.
        int cut = -1;
        foreach (string stop in _stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0)
        {
            Stopped = true;
            _held = "";
            return new StopFeed(text[..cut], true);
        }

        int keep = PossibleStopStart(text);
        _held = text[(text.Length - keep)..];
        return new StopFeed(text[..(text.Length - keep)], false);
    }

    /// <summary>At the end of generation: the held-back text, which turned out not to start a stop string.</summary>
    public string Flush()
    {
        string rest = _held;
        _held = "";
        return rest;
    }

    // Length of the longest suffix of text that is a proper prefix of some stop string. Only that suffix can still
    // turn into a match; every earlier position has been ruled out because no full match was found.
    int PossibleStopStart(string text)
    {
        for (int length = Math.Min(text.Length, _longestStop - 1); length > 0; length--)
        {
            var suffix = text.AsSpan(text.Length - length);
            foreach (string stop in _stops)
            {
                if (stop.Length > length && stop.AsSpan().StartsWith(suffix, StringComparison.Ordinal)) return length;
            }
        }
        return 0;
    }
}
