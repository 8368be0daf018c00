using QwenMesh.LoadTest.Run;

namespace QwenMesh.LoadTest.Stats;

/// <summary>
/// One slice of a phase's time, holding the requests that ended in it: how many succeeded, were refused or failed,
/// the completion tokens they brought (throughput over the slice), and their TTFT and ITL percentiles.
/// </summary>
public sealed record TimeSlice(double StartS, double EndS, int Succeeded, int Refused, int Failed, long CompletionTokens,
    double? TtftP50Ms, double? TtftP99Ms, double? ItlP50Ms, double? ItlP99Ms)
{
    /// <summary>At most this many slices a phase (a chart stays readable), none shorter than a second.</summary>
    public const int MaxSlices = 60;

    public double TokensPerSecond => EndS > StartS ? CompletionTokens / (EndS - StartS) : 0;

    public static IReadOnlyList<TimeSlice> Of(IReadOnlyList<RequestOutcome> outcomes, TimeSpan wall)
    {
        if (outcomes.Count == 0) return [];
        double end = Math.Max(wall.TotalSeconds, outcomes.Max(o => (o.SentAtMs + o.E2eMs) / 1000));
        double width = Math.Max(1, end / MaxSlices);
        int count = Math.Max(1, (int)Math.Ceiling(end / width));
        var byslice = outcomes.GroupBy(o => Math.Min(count - 1, (int)((o.SentAtMs + o.E2eMs) / 1000 / width))).ToDictionary(g => g.Key, g => g.ToArray());
        var slices = new List<TimeSlice>(count);
        for (int i = 0; i < count; i++)
        {
            RequestOutcome[] ended = byslice.GetValueOrDefault(i, []);
            RequestOutcome[] ok = ended.Where(o => o.Succeeded).ToArray();
            double[] ttft = ok.Where(o => o.TtftMs is not null).Select(o => o.TtftMs!.Value).ToArray();
            double[] gaps = ok.SelectMany(o => o.GapsMs).ToArray();
            slices.Add(new TimeSlice(i * width, Math.Min(end, (i + 1) * width), ok.Length, ended.Count(o => o.IsRefusal), ended.Count(o => !o.Succeeded && !o.IsRefusal),
                ok.Sum(o => (long)o.OutputTokens), Percentile.Of(ttft, 50), Percentile.Of(ttft, 99), Percentile.Of(gaps, 50), Percentile.Of(gaps, 99)));
        }
        return slices;
    }
}
