namespace QwenMesh.Planner.Simulation;

/// <summary>
/// Replays a load trace through a model of the mesh, in steps of a quarter second, with a pool size decided every
/// 15 s (a Prometheus scrape and an autoscaler poll) from what the mesh's metrics would show:
/// <list type="bullet">
/// <item>requests arrive as a Poisson stream and queue for prefill; the ready prefill pods work through the queue at
/// the calibrated tokens/s for the prompt's length;</item>
/// <item>a prefilled sequence joins the least-busy ready decode pod (up to <see cref="MaxBatch"/>, else it waits); each
/// pod's sequences advance one token per the calibrated inter-token time of its batch size;</item>
/// <item>every prefill and decode token goes through the expert workers: when the busiest worker's share (the work,
/// in decode tokens, times the imbalance over the ready workers' rate) is more than it can serve, prefill and decode
/// slow by that factor;</item>
/// <item>a new pod serves only after the calibrated start-up time (and costs replica time meanwhile); a removed decode
/// pod drains its sequences before it goes.</item>
/// </list>
/// A request meets its SLO when its time to first token and its mean inter-token latency are within the targets; one
/// still unfinished ten minutes after the trace ends does not.
/// </summary>
public sealed class MeshSimulator(Calibration calibration, PlannerTargets targets, int seed = 1)
{
    public const double Step = 0.25, DecideEvery = 15, Tail = 600;
    public const int MaxBatch = 64;

    sealed class Request(double arrival, int prompt, int completion)
    {
        public double Arrival = arrival, Remaining = prompt, Progress, FirstToken = double.NaN;
        public readonly int Prompt = prompt, Completion = completion;
    }

    sealed class Pod(double readyAt)
    {
        public double ReadyAt = readyAt;
        public bool Leaving;
        public readonly List<Request> Batch = [];
    }

    public SimulationResult Run(LoadTrace trace, Func<double, MeshObservation, PoolReplicas> decide, PoolReplicas start)
    {
        var random = new Random(seed);
        var pools = PoolNames.All.ToDictionary(p => p, p => Enumerable.Range(0, start[p]).Select(_ => new Pod(0)).ToList());
        var prefillQueue = new LinkedList<Request>();
        var decodeQueue = new Queue<Request>();
        var arrivals = new Queue<Request>();             // the rate window's, for the observed rate and lengths
        var replicaSeconds = PoolNames.All.ToDictionary(p => p, _ => 0.0);
        var decisions = PoolNames.All.ToDictionary(p => p, _ => new List<int>());
        var timeline = new List<SimulationSample>();
        int requests = 0, attained = 0, finished = 0;
        var ttfts = new List<double>();
        double slowdown = 1;

        for (double t = 0; t < trace.Seconds + Tail; t += Step)
        {
            bool open = t < trace.Seconds;
            if (open)
            {
                for (int n = Poisson(random, trace.Rate(t) * Step); n > 0; n--)
                {
                    var r = new Request(t + random.NextDouble() * Step, Uniform(random, trace.PromptTokens), Uniform(random, trace.CompletionTokens));
                    prefillQueue.AddLast(r);
                    arrivals.Enqueue(r);
                    requests++;
                }
            }
            while (arrivals.Count > 0 && arrivals.Peek().Arrival < t - targets.RateWindowSeconds) arrivals.Dequeue();

            // Prefill: the ready pods' tokens this step, first come first served.
            double budget = Ready(pools[Pool.Prefill], t).Count() * Step / slowdown, prefilled = 0;
            while (budget > 0 && prefillQueue.First is { } head)
            {
                var r = head.Value;
                double rate = calibration.PrefillTokensPerSecond(r.Prompt);
                double done = Math.Min(r.Remaining, budget * rate);
                r.Remaining -= done;
                budget -= done / rate;
                prefilled += done;
                if (r.Remaining > 0) break;
                prefillQueue.RemoveFirst();
                decodeQueue.Enqueue(r);
            }

            // Decode: join the least-busy ready pod, then every pod steps its batch.
            var decodePods = Ready(pools[Pool.Decode], t).Where(p => !p.Leaving).ToList();
            while (decodeQueue.Count > 0 && decodePods.Count > 0)
            {
                var pod = decodePods.MinBy(p => p.Batch.Count)!;
                if (pod.Batch.Count >= MaxBatch) break;
                pod.Batch.Add(decodeQueue.Dequeue());
            }
            double decoded = 0;
            foreach (var pod in pools[Pool.Decode])
            {
                if (pod.Batch.Count == 0) continue;
                double itl = calibration.InterTokenSeconds(pod.Batch.Count) * slowdown;
                for (int i = pod.Batch.Count - 1; i >= 0; i--)
                {
                    var r = pod.Batch[i];
                    double before = r.Progress;
                    r.Progress += Step / itl;
                    decoded += r.Progress - before;
                    if (double.IsNaN(r.FirstToken) && r.Progress >= 1) r.FirstToken = t + (1 - before) * itl;
                    if (r.Progress < r.Completion) continue;
                    pod.Batch.RemoveAt(i);
                    double end = t + (r.Completion - before) * itl;
                    double ttft = r.FirstToken - r.Arrival, meanItl = (end - r.FirstToken) / Math.Max(1, r.Completion - 1);
                    finished++;
                    if (r.Arrival < trace.Seconds) ttfts.Add(ttft);
                    if (ttft <= targets.TtftSeconds && meanItl <= targets.ItlSeconds) attained++;
                }
            }
            pools[Pool.Decode].RemoveAll(p => p.Leaving && p.Batch.Count == 0);

            // Experts: every token computed goes through them; the busiest worker sets the pace of the next step.
            int experts = Ready(pools[Pool.Expert], t).Count();
            double work = calibration.ExpertLoad(prefilled / Step, decoded / Step) * trace.Imbalance(t);
            slowdown = experts == 0 ? 1e9 : Math.Max(1, work / (experts * calibration.ExpertTokensPerSecond));

            if (open) foreach (var pool in PoolNames.All) replicaSeconds[pool] += pools[pool].Count * Step;

            if (open && Math.Abs(t % DecideEvery) < Step / 2)
            {
                var seen = new MeshObservation(
                    arrivals.Count / Math.Min(targets.RateWindowSeconds, Math.Max(t, DecideEvery)),
                    arrivals.Count > 0 ? arrivals.Average(r => r.Prompt) : 0,
                    arrivals.Count > 0 ? arrivals.Average(r => r.Completion) : 0,
                    prefillQueue.Sum(r => r.Remaining),
                    pools[Pool.Decode].Sum(p => p.Batch.Count),
                    decodeQueue.Count,
                    trace.Imbalance(t),
                    arrivals.Count(r => r.Arrival >= t - targets.RecentWindowSeconds) / Math.Min(targets.RecentWindowSeconds, Math.Max(t, DecideEvery)));
                var want = decide(t, seen);
                timeline.Add(new SimulationSample(t, trace.Rate(t), seen, want, new PoolReplicas(
                    Ready(pools[Pool.Prefill], t).Count(), Ready(pools[Pool.Decode], t).Count(p => !p.Leaving), Ready(pools[Pool.Expert], t).Count())));
                foreach (var pool in PoolNames.All)
                {
                    Resize(pools[pool], want[pool], t, drains: pool == Pool.Decode);
                    decisions[pool].Add(want[pool]);
                }
            }
        }

        ttfts.Sort();
        return new SimulationResult(trace.Name, requests, attained, finished,
            ttfts.Count > 0 ? ttfts[(int)Math.Min(ttfts.Count - 1, Math.Ceiling(0.95 * ttfts.Count) - 1)] : 0,
            PoolNames.All.ToDictionary(p => p, p => replicaSeconds[p] / trace.Seconds),
            PoolNames.All.ToDictionary(p => p, p => decisions[p].Count > 0 ? decisions[p][^1] : start[p]),
            PoolNames.All.ToDictionary(p => p, p => Reversals(decisions[p])),
            timeline);
    }

    IEnumerable<Pod> Ready(List<Pod> pool, double t) => pool.Where(p => p.ReadyAt <= t);

    void Resize(List<Pod> pool, int want, double t, bool drains)
    {
        var serving = pool.Where(p => !p.Leaving).ToList();
        for (int n = serving.Count; n < want; n++)
        {
            // A pod still draining is kept on rather than a new one started.
            if (pool.FirstOrDefault(p => p.Leaving) is { } back) back.Leaving = false;
            else pool.Add(new Pod(t + calibration.PodStartSeconds));
        }
        // Fewer: pods still starting go first, then the least busy.
        foreach (var pod in serving.OrderByDescending(p => p.ReadyAt).ThenBy(p => p.Batch.Count).Take(Math.Max(0, serving.Count - want)))
        {
            if (drains && pod.Batch.Count > 0 && pod.ReadyAt <= t) pod.Leaving = true;
            else pool.Remove(pod);
        }
    }

    /// <summary>How often a pool's size turned from growing to shrinking or back: the oscillation an autoscaler must avoid.</summary>
    static int Reversals(List<int> sizes)
    {
        int reversals = 0, last = 0;
        for (int i = 1; i < sizes.Count; i++)
        {
            int direction = Math.Sign(sizes[i] - sizes[i - 1]);
            if (direction == 0) continue;
            if (last != 0 && direction != last) reversals++;
            last = direction;
        }
        return reversals;
    }

    static int Uniform(Random random, (int Min, int Max) range) => random.Next(range.Min, range.Max + 1);

    static int Poisson(Random random, double mean)
    {
        if (mean <= 0) return 0;
        double limit = Math.Exp(-mean), product = random.NextDouble();
        int n = 0;
        for (; product > limit; n++) product *= random.NextDouble();
        return n;
    }
}
