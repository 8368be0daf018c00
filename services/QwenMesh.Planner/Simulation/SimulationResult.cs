namespace QwenMesh.Planner.Simulation;

/// <summary>One simulated run: how many requests met the SLO, the replicas each pool held on average over the trace, where each pool ended, how often its size reversed direction, and each decision made.</summary>
public sealed record SimulationResult(
    string Trace,
    int Requests,
    int Attained,
    int Finished,
    double TtftP95Seconds,
    IReadOnlyDictionary<Pool, double> AverageReplicas,
    IReadOnlyDictionary<Pool, int> FinalReplicas,
    IReadOnlyDictionary<Pool, int> Reversals,
    IReadOnlyList<SimulationSample> Timeline)
{
    public double Attainment => Requests == 0 ? 1 : (double)Attained / Requests;

    public double TotalAverageReplicas => AverageReplicas.Values.Sum();
}

/// <summary>One decision of a run: the trace's true rate, what the metrics showed, the pools asked for and those serving.</summary>
public sealed record SimulationSample(double Time, double Rate, MeshObservation Seen, PoolReplicas Wanted, PoolReplicas Serving);
