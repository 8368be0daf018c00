using QwenMesh.Engine.Experts;
using QwenMesh.Engine.State;
using QwenMesh.Hosting;
using QwenMesh.Model.Config;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.ExpertWorker;

/// <summary>The worker's shard, its placement and identity, filled in once by <see cref="ShardStartup"/>.</summary>
public sealed class LoadedShard
{
    (ExpertShard Shard, ExpertPlacement Placement, WorkerIdentity Identity)? _loaded;

    internal void Set(ExpertShard shard, ExpertPlacement placement, WorkerIdentity identity) => _loaded = (shard, placement, identity);

    (ExpertShard Shard, ExpertPlacement Placement, WorkerIdentity Identity) Value =>
        _loaded ?? throw new ServiceStartingException("the expert shard is still loading");

    public ExpertShard Shard => Value.Shard;
    public ExpertPlacement Placement => Value.Placement;
    public WorkerIdentity Identity => Value.Identity;
}

/// <summary>Loads this worker's experts (only their rows of every MoE layer) and fingerprints the checkpoint.</summary>
internal sealed class ShardStartup(ServingOptions options, LoadedShard loaded) : IStartupWork
{
    public string Stage => "loading expert shard";

    public Task RunAsync(CancellationToken cancellation) => Task.Run(() =>
    {
        ModelConfig config = ModelConfig.Load(options.Model);
        ExpertPlacement placement = ExpertHosting.Placement(options, config, options.Workers);
        var shard = ExpertShard.Load(options.Model, ModelHosting.ParseDType(options), placement.ExpertsOf(options.WorkerIndex));
        loaded.Set(shard, placement, new WorkerIdentity(options.WorkerIndex, ModelFingerprint.Compute(options.Model)));
    }, cancellation);
}
