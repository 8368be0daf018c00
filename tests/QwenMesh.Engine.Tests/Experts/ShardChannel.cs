using QwenMesh.Engine.Experts;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Tests.Experts;

/// <summary>An expert worker in this process (no network), which a test can take down and bring back.</summary>
public sealed class ShardChannel(ExpertShard shard) : IExpertChannel
{
    public bool Down { get; set; }
    public int Calls { get; private set; }

    public Task<Tensor> ComputeAsync(int layer, IReadOnlyList<int> experts, IReadOnlyList<int> counts, Tensor rows, CancellationToken cancellation)
    {
        Calls++;
        if (Down) return Task.FromException<Tensor>(new IOException("worker is down"));
        using Tensor copy = rows.clone();
        return Task.FromResult(shard.Compute(layer, experts, counts, copy).DetachFromDisposeScope());
    }
}
