namespace QwenMesh.Planner;

/// <summary>The pools QwenMesh scales apart; <see cref="PoolNames.Label"/> is the <c>pool</c> label of the planner's gauge.</summary>
public enum Pool { Prefill, Decode, Expert }

public static class PoolNames
{
    public static readonly Pool[] All = [Pool.Prefill, Pool.Decode, Pool.Expert];

    public static string Label(this Pool pool) => pool switch
    {
        Pool.Prefill => "prefill",
        Pool.Decode => "decode",
        _ => "expert",
    };
}

/// <summary>A replica count for each pool.</summary>
public readonly record struct PoolReplicas(int Prefill, int Decode, int Expert)
{
    public int this[Pool pool] => pool switch { Pool.Prefill => Prefill, Pool.Decode => Decode, _ => Expert };

    public PoolReplicas With(Pool pool, int replicas) => pool switch
    {
        Pool.Prefill => this with { Prefill = replicas },
        Pool.Decode => this with { Decode = replicas },
        _ => this with { Expert = replicas },
    };

    public int Total => Prefill + Decode + Expert;

    public override string ToString() => $"prefill={Prefill} decode={Decode} expert={Expert}";
}
