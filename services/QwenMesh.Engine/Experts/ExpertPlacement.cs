using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace QwenMesh.Engine.Experts;

/// <summary>
/// Which workers hold which routed experts (the same map for every MoE layer). Versioned by a hash of its
/// content, so a worker and a client that disagree on the map find out on the first call.
/// </summary>
public sealed class ExpertPlacement
{
    readonly int[][] _workersOf;

    public int Workers { get; }
    public int Experts => _workersOf.Length;
    public string Version { get; }

    ExpertPlacement(int workers, int[][] workersOf)
    {
        if (workers < 1) throw new ArgumentException("a placement needs at least one worker");
        for (int e = 0; e < workersOf.Length; e++)
        {
            if (workersOf[e].Length == 0) throw new ArgumentException($"expert {e} is placed on no worker");
            if (workersOf[e].Any(w => w < 0 || w >= workers)) throw new ArgumentException($"expert {e} is placed on a worker outside [0, {workers})");
            if (workersOf[e].Distinct().Count() != workersOf[e].Length) throw new ArgumentException($"expert {e} lists a worker twice");
        }
        Workers = workers;
        _workersOf = workersOf;
        string canonical = workers + ":" + string.Join(";", workersOf.Select(ws => string.Join(",", ws)));
        Version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)).AsSpan(0, 8));
    }

    /// <summary>Expert e on workers e, e+1, ... e+R-1 (mod N): replicas on distinct workers, load spread evenly.</summary>
    public static ExpertPlacement RoundRobin(int experts, int workers, int replicas)
    {
        if (replicas < 1 || replicas > workers) throw new ArgumentException($"replicas must be in [1, {workers}], got {replicas}");
        return new ExpertPlacement(workers, Enumerable.Range(0, experts)
            .Select(e => Enumerable.Range(0, replicas).Select(r => (e + r) % workers).ToArray()).ToArray());
    }

    /// <summary>
    /// A placement fitted to observed load (EPLB-style): every expert gets <paramref name="replicas"/> copies, the
    /// <paramref name="hotExperts"/> most loaded get one more, and copies go, hottest expert first, to the workers
    /// with the least load so far (an expert's load is shared evenly by its copies).
    /// </summary>
    public static ExpertPlacement Balanced(IReadOnlyList<long> loadPerExpert, int workers, int replicas, int hotExperts)
    {
        if (replicas < 1 || replicas > workers) throw new ArgumentException($"replicas must be in [1, {workers}], got {replicas}");
        int experts = loadPerExpert.Count;
        var hottest = Enumerable.Range(0, experts).OrderByDescending(e => loadPerExpert[e]).ThenBy(e => e).ToList();
        var extra = hottest.Take(Math.Clamp(hotExperts, 0, experts)).ToHashSet();
        var workerLoad = new double[workers];
        var map = new int[experts][];
        foreach (int e in hottest)
        {
            int copies = Math.Min(workers, replicas + (extra.Contains(e) ? 1 : 0));
            int[] chosen = Enumerable.Range(0, workers).OrderBy(w => workerLoad[w]).ThenBy(w => w).Take(copies).ToArray();
            foreach (int w in chosen) workerLoad[w] += (double)loadPerExpert[e] / copies;
            map[e] = chosen;
        }
        return new ExpertPlacement(workers, map);
    }

    /// <summary>The load each worker would carry under this placement (copies share an expert's load evenly).</summary>
    public double[] WorkerLoad(IReadOnlyList<long> loadPerExpert)
    {
        var load = new double[Workers];
        for (int e = 0; e < Experts; e++)
            foreach (int w in _workersOf[e]) load[w] += (double)loadPerExpert[e] / _workersOf[e].Length;
        return load;
    }

    /// <summary>Reads <c>{"workers": N, "experts": [[w, ...], ...]}</c> (one list of workers per expert).</summary>
    public static ExpertPlacement FromFile(string path, int experts)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            int workers = doc.RootElement.GetProperty("workers").GetInt32();
            int[][] map = doc.RootElement.GetProperty("experts").EnumerateArray()
                .Select(e => e.EnumerateArray().Select(w => w.GetInt32()).ToArray()).ToArray();
            if (map.Length != experts) throw new ArgumentException($"{path}: places {map.Length} experts, the model has {experts}");
            return new ExpertPlacement(workers, map);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"{path}: malformed placement ({e.Message})");
        }
    }

    /// <summary>The workers holding <paramref name="expert"/>, preferred first.</summary>
    public IReadOnlyList<int> WorkersOf(int expert) => _workersOf[expert];

    /// <summary>The experts worker <paramref name="worker"/> holds, ascending.</summary>
    public IReadOnlyList<int> ExpertsOf(int worker) =>
        Enumerable.Range(0, Experts).Where(e => _workersOf[e].Contains(worker)).ToList();

    public string ToJson() => JsonSerializer.Serialize(new { workers = Workers, experts = _workersOf });
}
