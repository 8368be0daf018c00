using QwenMesh.Model.Layers;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Experts;

/// <summary>
/// Routed experts on expert workers: a layer's routes are grouped by expert, each group goes to a healthy worker
/// holding that expert (one call per worker per layer, all workers in parallel), and the outputs are combined
/// with the router weights exactly as in-process experts are (the same <see cref="RoutedExperts"/> grouping). A worker that fails or times out is marked
/// unhealthy and its groups are retried on replicas; with no replica left the step fails with a clear error.
/// </summary>
public sealed class RemoteExpertExecutor(ExpertPlacement placement, IReadOnlyList<IExpertChannel> workers, ExpertLoad load,
    TimeSpan timeout, TimeSpan cooldown, TimeProvider clock, IExpertObserver? observer = null) : IExpertExecutor
{
    readonly DateTimeOffset[] _unhealthyUntil = new DateTimeOffset[workers.Count];

    public bool IsHealthy(int worker) => clock.GetUtcNow() >= _unhealthyUntil[worker];

    /// <summary>Workers in their failure cool-down now.</summary>
    public int UnhealthyWorkers => Enumerable.Range(0, workers.Count).Count(w => !IsHealthy(w));

    /// <summary>Bytes and time spent on remote expert rounds, for the benchmark.</summary>
    public ExpertTraffic Traffic { get; } = new();

    /// <summary>Tokens routed to each expert so far, for replicating hot experts.</summary>
    public ExpertLoad Load => load;

    public ExpertPlacement Placement => placement;

    public Tensor Run(int layer, Tensor hidden, Tensor experts, Tensor weights)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        RoutedExperts routes = RoutedExperts.Group(hidden, experts);
        Tensor rows = routes.Rows;
        var groups = routes.Groups.ToList();
        load.Record(layer, groups.Select(g => (g.Expert, g.Count)));

        Tensor outputs = empty_like(rows);
        var pending = groups;
        var tried = groups.ToDictionary(g => g.Expert, _ => new HashSet<int>());
        while (pending.Count > 0)
        {
            var byWorker = pending.GroupBy(g => Choose(g.Expert, tried[g.Expert], layer)).ToList();
            var calls = byWorker.Select(w => CallAsync(w.Key, layer, w.ToList(), rows)).ToArray();
            Task.WhenAll(calls).ContinueWith(_ => { }).Wait();
            var failed = new List<(int Expert, int Start, int Count)>();
            for (int i = 0; i < calls.Length; i++)
            {
                var group = byWorker[i].ToList();
                if (calls[i].IsCompletedSuccessfully)
                {
                    using Tensor result = calls[i].Result;
                    for (int g = 0, offset = 0; g < group.Count; offset += group[g].Count, g++)
                        outputs.narrow(0, group[g].Start, group[g].Count).copy_(result.narrow(0, offset, group[g].Count));
                    continue;
                }
                _unhealthyUntil[byWorker[i].Key] = clock.GetUtcNow() + cooldown;
                foreach (var g in group) tried[g.Expert].Add(byWorker[i].Key);
                failed.AddRange(group);
            }
            pending = failed;
        }
        long bytes = rows.NumberOfElements * rows.ElementSize;
        Traffic.Record(rows.shape[0], bytes, bytes, started);
        return routes.Combine(outputs, weights, hidden);
    }

    /// <summary>The first healthy replica not yet tried for this expert in this step.</summary>
    int Choose(int expert, HashSet<int> tried, int layer)
    {
        foreach (int w in placement.WorkersOf(expert))
        {
            if (!tried.Contains(w) && IsHealthy(w)) return w;
        }
        throw new ExpertUnavailableException(
            $"no healthy expert worker holds expert {expert} of layer {layer} (replicas: {string.Join(",", placement.WorkersOf(expert))})");
    }

    async Task<Tensor> CallAsync(int worker, int layer, List<(int Expert, int Start, int Count)> groups, Tensor rows)
    {
        Tensor batch = cat(groups.Select(g => rows.narrow(0, g.Start, g.Count)).ToList(), 0).DetachFromDisposeScope();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        bool failed = true;
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            Tensor result = await workers[worker].ComputeAsync(layer, groups.Select(g => g.Expert).ToList(), groups.Select(g => g.Count).ToList(), batch, deadline.Token);
            failed = false;
            return result;
        }
        finally
        {
            observer?.Called(worker, (int)batch.shape[0], System.Diagnostics.Stopwatch.GetElapsedTime(started), failed);
            batch.Dispose();
        }
    }
}
