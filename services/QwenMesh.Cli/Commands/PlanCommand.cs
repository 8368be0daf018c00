using System.Globalization;
using System.Text.Json;
using QwenMesh.Planner;
using QwenMesh.Planner.Simulation;
using QwenMesh.ServiceDefaults;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `plan`: the replicas the prefill, decode and expert pools need against the TTFT/ITL targets.
/// <c>--prometheus URL [--namespace NS]</c> reads the mesh once and prints the recommendation; <c>--serve</c> keeps
/// planning and exports it for KEDA (the planner service); <c>--simulate</c> replays the load traces through a model
/// of the mesh calibrated from this machine's measured throughput, the planner against pools sized for the peak.
/// </summary>
public static class PlanCommand
{
    /// <summary>llm-d's SLO-aware autoscaling: 95.8% SLO attainment at 5.93 replicas on average where a static pool held 8.</summary>
    public const double LlmdAttainment = 0.958, LlmdReplicaRatio = 5.93 / 8;

    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        bool json = o.Flag("json");
        bool simulate = o.Flag("simulate");
        bool serve = o.Flag("serve");
        string? prometheus = o.String("prometheus");
        string? ns = o.String("namespace");
        string? trace = o.String("trace");
        int seed = o.Int("seed", min: 0) ?? 1;
        string? calibrationFile = o.String("calibration");
        double? ttft = o.Double("ttft-s"), itl = o.Double("itl-s"), headroom = o.Double("headroom"), window = o.Double("scale-down-window-s");
        int? port = o.Int("port", min: 1);
        string? bind = o.String("bind");
        string? timeline = o.String("timeline");
        o.EnsureAllUsed();
        if (simulate == (prometheus is not null)) throw new CliUsageException("plan needs --simulate, or --prometheus URL (with --serve to keep planning)");
        if (serve && simulate) throw new CliUsageException("--serve plans from Prometheus; it does not go with --simulate");
        if (!simulate && (trace is not null || timeline is not null)) throw new CliUsageException("--trace and --timeline go with --simulate");
        if ((ttft ?? 1) <= 0 || (itl ?? 1) <= 0) throw new CliUsageException("--ttft-s and --itl-s must be positive");
        if ((headroom ?? 0) < 0 || (window ?? 0) < 0) throw new CliUsageException("--headroom and --scale-down-window-s must not be negative");
        if (calibrationFile is not null && !File.Exists(calibrationFile)) throw new IOException($"calibration file not found: {calibrationFile}");

        var defaults = new PlannerTargets();
        var targets = defaults with
        {
            TtftSeconds = ttft ?? defaults.TtftSeconds, ItlSeconds = itl ?? defaults.ItlSeconds,
            Headroom = headroom ?? defaults.Headroom, ScaleDownWindowSeconds = window ?? defaults.ScaleDownWindowSeconds,
        };

        if (serve)
        {
            var args = new List<string> { $"--QwenMesh:Planner:Prometheus={prometheus}", $"--QwenMesh:Planner:TtftSeconds={Invariant(targets.TtftSeconds)}",
                $"--QwenMesh:Planner:ItlSeconds={Invariant(targets.ItlSeconds)}", $"--QwenMesh:Planner:Headroom={Invariant(targets.Headroom)}",
                $"--QwenMesh:Planner:ScaleDownWindowSeconds={Invariant(targets.ScaleDownWindowSeconds)}" };
            if (ns is not null) args.Add($"--QwenMesh:Planner:Namespace={ns}");
            if (calibrationFile is not null) args.Add($"--QwenMesh:Planner:CalibrationFile={Path.GetFullPath(calibrationFile)}");
            if (port is not null) args.Add($"--QwenMesh:HttpPort={port}");
            if (bind is not null) args.Add($"--QwenMesh:Bind={bind}");
            return ServiceRunner.RunAsync(PlannerHost.Role, () => PlannerHost.Build([.. args])).GetAwaiter().GetResult();
        }
        if (port is not null || bind is not null) throw new CliUsageException("--port and --bind go with --serve");

        var calibration = calibrationFile is null ? Calibration.Measured
            : Calibration.FromBenchJson(File.ReadLines(calibrationFile).LastOrDefault(l => l.TrimStart().StartsWith('{'))
                ?? throw new InvalidDataException($"{calibrationFile} has no JSON line (save the output of qwenmesh bench --json)"));
        return simulate
            ? Simulate(trace, seed, calibration, targets, timeline, json, stdout)
            : Once(prometheus!, ns, calibration, targets, json, stdout);
    }

    static int Once(string prometheus, string? ns, Calibration calibration, PlannerTargets targets, bool json, TextWriter stdout)
    {
        if (!Uri.TryCreate(prometheus.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliUsageException($"--prometheus must be an http(s) URL, not '{prometheus}'");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        MeshObservation seen;
        try { seen = new PrometheusObserver(http, uri, ns, targets).ObserveAsync(default).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or KeyNotFoundException or InvalidOperationException)
        {
            throw new IOException($"cannot read Prometheus at {prometheus}: {e.Message}");
        }
        var plan = new ReplicaPlanner(calibration, targets).Recommend(seen, seen.RequestsPerSecond);
        stdout.WriteLine($"{seen.RequestsPerSecond:F2} requests/s: {plan}");
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["observed"] = seen,
                ["desired_replicas"] = PoolNames.All.ToDictionary(p => p.Label(), p => plan[p]),
            }));
        }
        return 0;
    }

    static int Simulate(string? trace, int seed, Calibration calibration, PlannerTargets targets, string? timeline, bool json, TextWriter stdout)
    {
        using var csv = timeline is null ? null : new StreamWriter(timeline);
        csv?.WriteLine("trace,time_s,rate,observed_rate,prefill_queue_tokens,decode_running,decode_waiting,want_prefill,want_decode,want_expert,serving_prefill,serving_decode,serving_expert");
        var traces = trace is null or "all" ? LoadTrace.All : [LoadTrace.Named(trace)];
        stdout.WriteLine($"targets: TTFT <= {targets.TtftSeconds:0.###} s and mean ITL <= {targets.ItlSeconds * 1000:0} ms per request; pod start {calibration.PodStartSeconds:0} s; seed {seed}");
        stdout.WriteLine($"{"trace",-14} {"SLO planner",11} {"SLO static",10} {"replicas planner (p/d/e)",26} {"static (p/d/e)",16} {"ratio",6} {"reversals",9} {"at end",10}");
        var results = new List<Dictionary<string, object>>();
        foreach (var t in traces)
        {
            var c = PlannerComparison.Run(t, calibration, targets, seed);
            var avg = c.Planned.AverageReplicas;
            foreach (var s in c.Planned.Timeline)
                csv?.WriteLine(string.Join(',', t.Name, Invariant(s.Time), Invariant(Math.Round(s.Rate, 3)), Invariant(Math.Round(s.Seen.RequestsPerSecond, 3)),
                    Invariant(Math.Round(s.Seen.PrefillQueueTokens)), Invariant(s.Seen.DecodeRunning), Invariant(s.Seen.DecodeWaiting),
                    s.Wanted.Prefill, s.Wanted.Decode, s.Wanted.Expert, s.Serving.Prefill, s.Serving.Decode, s.Serving.Expert));
            stdout.WriteLine($"{t.Name,-14} {c.Planned.Attainment,11:P1} {c.Static.Attainment,10:P1} " +
                $"{$"{c.Planned.TotalAverageReplicas:F2} ({avg[Pool.Prefill]:F1}/{avg[Pool.Decode]:F1}/{avg[Pool.Expert]:F1})",26} " +
                $"{$"{c.StaticPools.Total} ({c.StaticPools.Prefill}/{c.StaticPools.Decode}/{c.StaticPools.Expert})",16} {c.ReplicaRatio,6:F3} " +
                $"{string.Join("/", PoolNames.All.Select(p => c.Planned.Reversals[p])),9} {string.Join("/", PoolNames.All.Select(p => c.Planned.FinalReplicas[p])),10}");
            results.Add(new Dictionary<string, object>
            {
                ["trace"] = t.Name,
                ["requests"] = c.Planned.Requests,
                ["slo_attainment"] = Math.Round(c.Planned.Attainment, 4),
                ["static_slo_attainment"] = Math.Round(c.Static.Attainment, 4),
                ["average_replicas"] = Math.Round(c.Planned.TotalAverageReplicas, 3),
                ["static_replicas"] = c.StaticPools.Total,
                ["replica_ratio"] = Math.Round(c.ReplicaRatio, 4),
                ["ttft_p95_s"] = Math.Round(c.Planned.TtftP95Seconds, 3),
                ["average_replicas_by_pool"] = PoolNames.All.ToDictionary(p => p.Label(), p => Math.Round(avg[p], 3)),
                ["static_replicas_by_pool"] = PoolNames.All.ToDictionary(p => p.Label(), p => c.StaticPools[p]),
                ["reversals"] = PoolNames.All.ToDictionary(p => p.Label(), p => c.Planned.Reversals[p]),
                ["final_replicas"] = PoolNames.All.ToDictionary(p => p.Label(), p => c.Planned.FinalReplicas[p]),
            });
        }
        stdout.WriteLine($"llm-d's SLO-aware autoscaling, for comparison: {LlmdAttainment:P1} SLO attainment at ratio {LlmdReplicaRatio:F3} (5.93 of 8 replicas)");
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["ttft_target_s"] = targets.TtftSeconds,
                ["itl_target_s"] = targets.ItlSeconds,
                ["seed"] = seed,
                ["traces"] = results,
                ["llm_d"] = new Dictionary<string, double> { ["slo_attainment"] = LlmdAttainment, ["replica_ratio"] = Math.Round(LlmdReplicaRatio, 4) },
            }));
        }
        return 0;
    }

    static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
