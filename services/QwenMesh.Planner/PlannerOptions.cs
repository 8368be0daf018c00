using System.Net;
using Microsoft.Extensions.Configuration;
using QwenMesh.ServiceDefaults.Options;

namespace QwenMesh.Planner;

/// <summary>
/// The planner service's settings: where to listen (QwenMesh:Bind, QwenMesh:HttpPort) and the section
/// QwenMesh:Planner: the Prometheus to read, the namespace of the mesh, how often to plan, the latency targets, each
/// pool's bounds, and a calibration file (the last line of <c>qwenmesh bench --json</c>; the measured defaults otherwise).
/// </summary>
public sealed class PlannerOptions
{
    public const string Section = "QwenMesh";

    public static PlannerOptions From(IConfiguration configuration) => ValidatedOptions.Bind<PlannerOptions>(configuration, Section, Check);

    static void Check(PlannerOptions o, OptionChecks c)
    {
        if (!IPAddress.TryParse(o.Bind, out _)) c.Fail(nameof(Bind), o.Bind, "must be an IP address");
        if (o.HttpPort is < 1 or > 65535) c.Fail(nameof(HttpPort), o.HttpPort, "must be a port (1-65535)");
        var p = o.Planner;
        if (!Uri.TryCreate(p.Prometheus, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            c.Fail("Planner:Prometheus", p.Prometheus, "must be the http(s) URL of Prometheus (its HTTP API)");
        c.Positive("Planner:IntervalSeconds", p.IntervalSeconds);
        c.Positive("Planner:TtftSeconds", p.TtftSeconds);
        c.Positive("Planner:ItlSeconds", p.ItlSeconds);
        c.Positive("Planner:ScaleDownWindowSeconds", p.ScaleDownWindowSeconds);
        c.AtLeast("Planner:RateWindowSeconds", p.RateWindowSeconds, 2);
        if (p.Headroom < 0) c.Fail("Planner:Headroom", p.Headroom, "must not be negative");
        foreach (var (name, min, max) in new[] { ("Prefill", p.MinPrefill, p.MaxPrefill), ("Decode", p.MinDecode, p.MaxDecode), ("Expert", p.MinExpert, p.MaxExpert) })
        {
            c.AtLeast($"Planner:Min{name}", min, 0);
            if (max < Math.Max(1, min)) c.Fail($"Planner:Max{name}", max, $"must be at least Planner:Min{name} ({min}) and 1");
        }
        if (p.CalibrationFile is { Length: > 0 } file && !File.Exists(file)) c.Fail("Planner:CalibrationFile", file, "must be a file (the last line of qwenmesh bench --json)");
    }

    public string Bind { get; set; } = "127.0.0.1";
    public int HttpPort { get; set; } = 9400;
    public PlannerSettings Planner { get; set; } = new();

    public sealed class PlannerSettings
    {
        public string? Prometheus { get; set; }

        /// <summary>Prometheus's base URL with a trailing slash, so the API path resolves under any path prefix.</summary>
        public Uri PrometheusUri => new(Prometheus!.TrimEnd('/') + "/");

        /// <summary>The mesh's Kubernetes namespace: every query is pinned to it. Empty: no namespace filter (a local Prometheus).</summary>
        public string? Namespace { get; set; }

        public double IntervalSeconds { get; set; } = 15;
        public double TtftSeconds { get; set; } = new PlannerTargets().TtftSeconds;
        public double ItlSeconds { get; set; } = new PlannerTargets().ItlSeconds;
        public double ScaleDownWindowSeconds { get; set; } = new PlannerTargets().ScaleDownWindowSeconds;
        public double Headroom { get; set; } = new PlannerTargets().Headroom;
        public double RateWindowSeconds { get; set; } = new PlannerTargets().RateWindowSeconds;
        public int MinPrefill { get; set; } = 1;
        public int MaxPrefill { get; set; } = 16;
        public int MinDecode { get; set; } = 1;
        public int MaxDecode { get; set; } = 16;
        public int MinExpert { get; set; } = 1;
        public int MaxExpert { get; set; } = 16;
        public string? CalibrationFile { get; set; }

        public PlannerTargets Targets() => new()
        {
            TtftSeconds = TtftSeconds,
            ItlSeconds = ItlSeconds,
            ScaleDownWindowSeconds = ScaleDownWindowSeconds,
            Headroom = Headroom,
            RateWindowSeconds = RateWindowSeconds,
            Min = new PoolReplicas(MinPrefill, MinDecode, MinExpert),
            Max = new PoolReplicas(MaxPrefill, MaxDecode, MaxExpert),
        };

        public Calibration Calibration() => CalibrationFile is { Length: > 0 } file
            ? QwenMesh.Planner.Calibration.FromBenchJson(File.ReadLines(file).Last(l => l.TrimStart().StartsWith('{')))
            : QwenMesh.Planner.Calibration.Measured;
    }
}
