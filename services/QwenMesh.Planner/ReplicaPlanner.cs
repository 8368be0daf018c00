namespace QwenMesh.Planner;

/// <summary>
/// Recommends replicas for the prefill, decode and expert pools together from one observation of the mesh, each
/// against the latency targets with the calibrated capacity of a pod, and each with square-root staffing over its
/// offered load (<see cref="PlannerTargets.Headroom"/>):
/// <list type="bullet">
/// <item>prefill: the prompt tokens arriving per second, plus the queued backlog cleared by the time new pods have
/// started, in pods' worth of prefill;</item>
/// <item>decode: the sequences resident at once (Little's law: arrivals x completion length x inter-token time, plus
/// those decode reports waiting for a slot), spread so that a pod's batch, noise included, stays within the largest
/// batch that keeps the ITL target;</item>
/// <item>experts: the MoE work per second (prompt and completion tokens, a prompt token weighted by its measured
/// cost) times the imbalance (the busiest worker sets the pace), in workers' worth.</item>
/// </list>
/// When the request rate is rising beyond its noise (the last minute busier than the window, or a rising trend), it
/// also plans for the load one pod start (plus the observation's lag) ahead, so capacity is ready when a burst arrives
/// rather than a start-up later. A pool shrinks only to the highest need of the scale-down window (a forecast is held
/// only as long as it looked ahead), so a dip does not drop pods that the next minutes need again, and a need within
/// 10% of the pool's size leaves it.
/// </summary>
public sealed class ReplicaPlanner(Calibration calibration, PlannerTargets targets)
{
    const double TrendSeconds = 120;

    /// <summary>How far behind the load an observation is: a rate over the window is centred half a window back, and the next round is an interval away.</summary>
    double ObservationLagSeconds => targets.RateWindowSeconds / 2 + 15;

    /// <summary>A recommendation within this share of the current size keeps it (as a HorizontalPodAutoscaler's tolerance): noise does not move pods.</summary>
    const double Tolerance = 0.1;
    readonly Queue<(double Time, double Rate)> _rates = new();
    readonly Dictionary<Pool, Queue<(double Time, int Replicas)>> _recent = PoolNames.All.ToDictionary(p => p, _ => new Queue<(double, int)>());
    readonly Dictionary<Pool, Queue<(double Time, int Replicas)>> _ahead = PoolNames.All.ToDictionary(p => p, _ => new Queue<(double, int)>());

    /// <summary>The time constant of the smoothed rate that steady needs are computed from.</summary>
    const double SmoothingSeconds = 60;

    PoolReplicas _current;
    double _smoothed = double.NaN, _smoothedAt;

    public Calibration Calibration => calibration;
    public PlannerTargets Targets => targets;

    /// <summary>The replicas to run now, given the observation made at <paramref name="time"/> (seconds, increasing).</summary>
    public PoolReplicas Plan(double time, MeshObservation now)
    {
        // A last minute busier than the window by three times its noise is a burst under way: plan for it now.
        double surge = now.RecentRequestsPerSecond - 3 * Math.Sqrt(Math.Max(now.RecentRequestsPerSecond, 0) / targets.RecentWindowSeconds);
        double expected = Forecast(time, Math.Max(now.RequestsPerSecond, surge));
        // Steady needs follow the rate smoothed further (a windowed Poisson count is off by several percent each
        // round, and a pool sized on each round's noise flaps); rises reach the pools through the forecast.
        _smoothed = double.IsNaN(_smoothed) ? now.RequestsPerSecond
            : _smoothed + (now.RequestsPerSecond - _smoothed) * (1 - Math.Exp(-(time - _smoothedAt) / SmoothingSeconds));
        _smoothedAt = time;
        var needed = Needed(now, _smoothed);
        var forecast = expected > _smoothed ? Needed(now, expected) : needed;
        double horizon = calibration.PodStartSeconds + ObservationLagSeconds;
        var plan = _current;
        foreach (var pool in PoolNames.All)
        {
            int current = _current[pool];
            double want = needed.Of(pool);
            int raw = current > 0 && Math.Abs(want / current - 1) <= Tolerance ? current : Bound(pool, want);
            var recent = _recent[pool];
            recent.Enqueue((time, raw));
            while (recent.Peek().Time < time - targets.ScaleDownWindowSeconds) recent.Dequeue();
            // The window holds what the load needed; a forecast is held only as far as it looked ahead (it may overshoot).
            var held = _ahead[pool];
            held.Enqueue((time, Bound(pool, forecast.Of(pool))));
            while (held.Peek().Time < time - horizon) held.Dequeue();
            plan = plan.With(pool, Math.Max(recent.Max(r => r.Replicas), held.Max(r => r.Replicas)));
        }
        _current = plan;
        return plan;
    }

    /// <summary>The replicas the load needs, with no memory of earlier recommendations: what a pool sized for this load would hold.</summary>
    public PoolReplicas Recommend(MeshObservation now, double requestsPerSecond)
    {
        var needed = Needed(now, requestsPerSecond);
        return new PoolReplicas(Bound(Pool.Prefill, needed.Prefill), Bound(Pool.Decode, needed.Decode), Bound(Pool.Expert, needed.Expert));
    }

    readonly record struct Demand(double Prefill, double Decode, double Expert)
    {
        public double Of(Pool pool) => pool switch { Pool.Prefill => Prefill, Pool.Decode => Decode, _ => Expert };
    }

    /// <summary>The pods' worth each pool needs, before rounding up and bounds.</summary>
    Demand Needed(MeshObservation now, double requestsPerSecond)
    {
        double beta = targets.Headroom;
        double prompt = now.MeanPromptTokens > 0 ? now.MeanPromptTokens : 1;
        double prefillRate = calibration.PrefillTokensPerSecond(prompt);
        int batch = calibration.BatchWithin(targets.ItlSeconds * 0.9);
        double itl = calibration.InterTokenSeconds(batch);
        // A backlog is cleared by the pods it calls for once they have started, not sooner.
        double drain = Math.Max(calibration.PodStartSeconds, targets.TtftSeconds);
        double prefill = Staffed((requestsPerSecond * now.MeanPromptTokens + now.PrefillQueueTokens / drain) / prefillRate, beta);

        // A pod's batch is the pool's resident sequences over its pods, give or take beta x sqrt of it; sequences
        // waiting for a batch slot are a shortage on top of what the arrivals explain.
        double resident = requestsPerSecond * now.MeanCompletionTokens * itl + now.DecodeWaiting;
        double root = (-beta + Math.Sqrt(beta * beta + 4 * batch)) / 2;
        double decode = resident / (root * root);

        double work = calibration.ExpertLoad(requestsPerSecond * now.MeanPromptTokens, requestsPerSecond * now.MeanCompletionTokens);
        double expert = Staffed(work * Math.Max(1, now.ExpertImbalance) / calibration.ExpertTokensPerSecond, beta);

        return new Demand(prefill, decode, expert);
    }

    /// <summary>The request rate when pods started now would serve, if it keeps rising as it did over the last two minutes (never below now's).</summary>
    double Forecast(double time, double rate)
    {
        _rates.Enqueue((time, rate));
        while (_rates.Peek().Time < time - TrendSeconds) _rates.Dequeue();
        if (_rates.Count < 2) return rate;
        double mt = _rates.Average(r => r.Time), mr = _rates.Average(r => r.Rate);
        double cov = _rates.Sum(r => (r.Time - mt) * (r.Rate - mr)), var = _rates.Sum(r => (r.Time - mt) * (r.Time - mt));
        double slope = var > 0 ? cov / var : 0;
        // A rate counted over the window is off by sqrt(rate / window) by chance alone: a rise within three times that is
        // noise (at three times, one round in seven hundred), and extrapolating it would keep pools a step too large.
        double noise = Math.Sqrt(Math.Max(rate, 0) / targets.RateWindowSeconds);
        if (slope * TrendSeconds <= 3 * noise) return rate;
        return rate + slope * (calibration.PodStartSeconds + ObservationLagSeconds);
    }

    static double Staffed(double offered, double beta) => offered <= 0 ? 0 : offered + beta * Math.Sqrt(offered);

    int Bound(Pool pool, double needed)
    {
        int replicas = double.IsFinite(needed) ? (int)Math.Ceiling(needed - 1e-9) : targets.Max[pool];
        return Math.Clamp(replicas, targets.Min[pool], targets.Max[pool]);
    }
}
