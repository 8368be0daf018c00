namespace QwenMesh.Planner.Tests;

public sealed class ReplicaPlannerTests
{
    static readonly PlannerTargets Targets = new();

    /// <summary>A steady mesh at <paramref name="rate"/> requests/s of 512-token prompts and 128-token replies.</summary>
    static MeshObservation Steady(double rate, double imbalance = 1.2) => new(rate, 512, 128, 0, 0, 0, imbalance, rate);

    [Fact]
    public void No_traffic_is_the_minimum_of_every_pool()
    {
        var planner = new ReplicaPlanner(Calibration.Measured, Targets);
        Assert.Equal(Targets.Min, planner.Plan(0, MeshObservation.Idle));
        Assert.Equal(Targets.Min, planner.Recommend(MeshObservation.Idle, 0));
    }

    [Fact]
    public void Pools_grow_with_their_own_load()
    {
        var planner = new ReplicaPlanner(Calibration.Measured, Targets);
        var light = planner.Recommend(Steady(1), 1);
        var heavy = planner.Recommend(Steady(2), 2);
        Assert.True(heavy.Prefill > light.Prefill && heavy.Decode > light.Decode && heavy.Expert > light.Expert, $"{light} -> {heavy}");
        // Longer prompts cost prefill, not decode.
        var longPrompts = planner.Recommend(Steady(1) with { MeanPromptTokens = 2048 }, 1);
        Assert.True(longPrompts.Prefill > light.Prefill, $"{light} -> {longPrompts}");
        Assert.Equal(light.Decode, longPrompts.Decode);
        // A queued backlog adds prefill pods; sequences waiting for a batch slot add decode pods.
        Assert.True(planner.Recommend(Steady(1) with { PrefillQueueTokens = 50_000 }, 1).Prefill > light.Prefill);
        Assert.True(planner.Recommend(Steady(1) with { DecodeWaiting = 40 }, 1).Decode > light.Decode);
        Assert.True(planner.Recommend(Steady(1, imbalance: 3), 1).Expert > light.Expert);
    }

    [Fact]
    public void Prefill_pods_clear_the_offered_prompt_tokens_within_the_measured_throughput()
    {
        var planner = new ReplicaPlanner(Calibration.Measured, Targets with { Headroom = 0 });
        // 2 requests/s of 512 tokens is 1024 tokens/s against 521 tokens/s a pod: two pods.
        Assert.Equal(2, planner.Recommend(Steady(2), 2).Prefill);
    }

    [Fact]
    public void Scales_up_at_once_and_down_only_after_the_window()
    {
        var planner = new ReplicaPlanner(Calibration.Measured, Targets);
        PoolReplicas plan = default;
        double t = 0;
        for (; t < 600; t += 15) plan = planner.Plan(t, Steady(0.3));
        var low = plan;
        plan = planner.Plan(t, Steady(2.5));
        Assert.True(plan.Total > low.Total, $"a jump to 2.5 requests/s left the pools at {plan}");
        var high = plan;
        for (t += 15; t < 2400; t += 15) high = planner.Plan(t, Steady(2.5));
        // The load falls: the pools hold through the scale-down window, then shrink.
        double fell = t;
        for (; t < fell + Targets.ScaleDownWindowSeconds - 15; t += 15)
        {
            plan = planner.Plan(t, Steady(0.3));
            Assert.Equal(high, plan);
        }
        for (; t < fell + 1200; t += 15) plan = planner.Plan(t, Steady(0.3));
        Assert.True(plan.Total < high.Total, $"the pools stayed at {plan} after the load fell");
    }

    [Fact]
    public void Keeps_within_each_pools_bounds()
    {
        var targets = Targets with { Min = new PoolReplicas(2, 3, 2), Max = new PoolReplicas(4, 5, 6) };
        var planner = new ReplicaPlanner(Calibration.Measured, targets);
        Assert.Equal(targets.Min, planner.Recommend(MeshObservation.Idle, 0));
        Assert.Equal(targets.Max, planner.Recommend(Steady(100), 100));
    }
}
