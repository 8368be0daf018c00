using System.Globalization;
using QwenMesh.ServiceDefaults.Options;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>
/// Histogram buckets (comma-separated bounds, <c>--QwenMesh:Metrics:TtftBuckets=0.1,0.5,1</c>) and the SLO targets of
/// goodput. The defaults hold the usual SLO boundaries, so that "TTFT under 2 s" is a bucket, not an interpolation.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "QwenMesh:Metrics";

    public string TtftBuckets { get; set; } = "0.05,0.1,0.2,0.5,1,2,5,10,20,60";
    public string ItlBuckets { get; set; } = "0.01,0.02,0.05,0.1,0.2,0.5,1";
    /// <summary>End-to-end, queue, prefill, handoff and expert-call times.</summary>
    public string LatencyBuckets { get; set; } = "0.005,0.01,0.025,0.05,0.1,0.2,0.5,1,2,5,10,20,60,120";
    /// <summary>Tokens per request and per step, sequences per batch.</summary>
    public string CountBuckets { get; set; } = "1,2,4,8,16,32,64,128,256,512,1024,2048,4096,8192,16384,32768";
    /// <summary>State sizes.</summary>
    public string ByteBuckets { get; set; } = "65536,262144,1048576,4194304,16777216,67108864,268435456,1073741824,4294967296";

    /// <summary>A request attains its SLO when its TTFT and the p99 of its inter-token gaps are within these.</summary>
    public double SloTtftSeconds { get; set; } = 1;
    public double SloItlSeconds { get; set; } = 0.2;

    public static double[] Parse(string buckets) =>
        buckets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(b => double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN).ToArray();

    public static void Check(MetricsOptions o, OptionChecks c)
    {
        c.Buckets(nameof(TtftBuckets), Parse(o.TtftBuckets));
        c.Buckets(nameof(ItlBuckets), Parse(o.ItlBuckets));
        c.Buckets(nameof(LatencyBuckets), Parse(o.LatencyBuckets));
        c.Buckets(nameof(CountBuckets), Parse(o.CountBuckets));
        c.Buckets(nameof(ByteBuckets), Parse(o.ByteBuckets));
        c.Positive(nameof(SloTtftSeconds), o.SloTtftSeconds);
        c.Positive(nameof(SloItlSeconds), o.SloItlSeconds);
    }
}
