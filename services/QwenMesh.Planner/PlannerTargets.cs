namespace QwenMesh.Planner;

/// <summary>
/// What the planner plans for: the latency targets (time to first token, inter-token latency; the same defaults as
/// the mesh's SLO counters, QwenMesh:Metrics:SloTtftSeconds/SloItlSeconds, are looser here because a CPU prefill of a
/// 512-token prompt takes a second), the headroom over the offered load, how long a lower recommendation must hold
/// before a pool shrinks, and each pool's bounds.
/// </summary>
public sealed record PlannerTargets
{
    public double TtftSeconds { get; init; } = 2;
    public double ItlSeconds { get; init; } = 0.2;

    /// <summary>
    /// Square-root staffing: a pool offered R pods' worth of work gets R + Headroom x sqrt(R) pods, so its spare
    /// capacity covers the Poisson noise of the arrivals (which grows as sqrt(R)) and no more: small pools get
    /// relatively more room, large pools run hotter.
    /// </summary>
    public double Headroom { get; init; } = 1.5;

    /// <summary>
    /// The window of the rates the planner reads (Prometheus's <c>rate(...[120s])</c>, the simulator's count): a minute
    /// of Poisson arrivals is too noisy to size pools by. At least four scrape intervals, so a rate has samples to span.
    /// </summary>
    public double RateWindowSeconds { get; init; } = 120;

    /// <summary>The short window that shows a burst sooner (its rate is centred half as far back).</summary>
    public double RecentWindowSeconds => RateWindowSeconds / 2;

    /// <summary>Seconds a lower recommendation must hold before a pool shrinks to it (scale-up is at once).</summary>
    public double ScaleDownWindowSeconds { get; init; } = 120;

    public PoolReplicas Min { get; init; } = new(1, 1, 1);
    public PoolReplicas Max { get; init; } = new(16, 16, 16);
}
