namespace QwenMesh.Planner.Simulation;

/// <summary>
/// The planner against the static alternative on one trace: the same simulated mesh run once with the planner deciding
/// the pools every 15 s and once with fixed pools sized for the trace's peak by the same capacity model (what a team
/// provisioning for peak would run). The ratio of replica-hours is the planner's saving at the SLO it reached.
/// </summary>
public sealed record PlannerComparison(SimulationResult Planned, SimulationResult Static, PoolReplicas StaticPools)
{
    public double ReplicaRatio => Planned.TotalAverageReplicas / Static.TotalAverageReplicas;

    public static PlannerComparison Run(LoadTrace trace, Calibration calibration, PlannerTargets targets, int seed = 1)
    {
        var sizing = new ReplicaPlanner(calibration, targets);
        var simulator = new MeshSimulator(calibration, targets, seed);
        var staticPools = sizing.Recommend(PeakObservation(trace, calibration, targets), trace.Peak().Rate);
        var fixedRun = simulator.Run(trace, (_, _) => staticPools, staticPools);
        var planner = new ReplicaPlanner(calibration, targets);
        var planned = simulator.Run(trace, planner.Plan, targets.Min);
        return new PlannerComparison(planned, fixedRun, staticPools);
    }

    /// <summary>The mesh at the trace's peak in steady state: nothing queued, decode holding what Little's law says.</summary>
    static MeshObservation PeakObservation(LoadTrace trace, Calibration calibration, PlannerTargets targets)
    {
        var (rate, imbalance) = trace.Peak();
        double prompt = (trace.PromptTokens.Min + trace.PromptTokens.Max) / 2.0;
        double completion = (trace.CompletionTokens.Min + trace.CompletionTokens.Max) / 2.0;
        return new MeshObservation(rate, prompt, completion, 0, 0, 0, imbalance, rate);
    }
}
