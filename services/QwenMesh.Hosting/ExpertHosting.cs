using Grpc.Net.Client;
using QwenMesh.Contracts.V1;
using QwenMesh.Engine.Experts;
using QwenMesh.Model.Config;
using static TorchSharp.torch;

namespace QwenMesh.Hosting;

/// <summary>How a process finds its experts: the placement every process computes alike, and clients for the workers.</summary>
public static class ExpertHosting
{
    public static ExpertPlacement Placement(ServingOptions options, ModelConfig config, int workers)
    {
        if (config.DenseMlpLayers.Count == config.NumHiddenLayers)
        {
            throw new InvalidOperationException("the model is dense (no MoE layers): it has no experts to place on expert workers; serve it without them");
        }
        return string.IsNullOrEmpty(options.ExpertPlacementFile)
            ? ExpertPlacement.RoundRobin(config.NumExperts, workers, options.ExpertReplicas)
            : ExpertPlacement.FromFile(options.ExpertPlacementFile, config.NumExperts);
    }

    /// <summary>
    /// The remote executor over the configured workers, after checking that every worker serves this checkpoint
    /// and this placement (a worker started with another one is refused here, before any request).
    /// </summary>
    public static RemoteExpertExecutor? RemoteExecutor(ServingOptions options, ModelConfig config, ScalarType dtype, string fingerprint, IExpertObserver? observer = null)
    {
        string[] urls = (options.ExpertWorkerUrls ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0) return null;
        ExpertPlacement placement = Placement(options, config, urls.Length);
        MeshCredential credential = MeshCredential.From(options);
        var channels = new List<IExpertChannel>();
        for (int i = 0; i < urls.Length; i++)
        {
            var channel = MeshChannels.For(urls[i], new GrpcChannelOptions { MaxReceiveMessageSize = 256 << 20, MaxSendMessageSize = 256 << 20 });
            var client = new ExpertWorker.ExpertWorkerClient(credential.Invoker(channel));
            WorkerDescription d = client.Describe(new DescribeRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
            if (d.ModelFingerprint != fingerprint)
                throw new InvalidOperationException($"expert worker {urls[i]} serves model {d.ModelFingerprint}, not this model ({fingerprint})");
            if (d.PlacementVersion != placement.Version || d.WorkerIndex != i)
                throw new InvalidOperationException($"expert worker {urls[i]} runs placement {d.PlacementVersion} as worker {d.WorkerIndex}; expected {placement.Version} as worker {i}");
            channels.Add(new GrpcExpertChannel(client, placement.Version, dtype, config.HiddenSize));
        }
        return new RemoteExpertExecutor(placement, channels, new ExpertLoad(config.NumHiddenLayers, config.NumExperts),
            TimeSpan.FromSeconds(options.ExpertTimeoutSeconds), TimeSpan.FromSeconds(options.ExpertCooldownSeconds), TimeProvider.System, observer);
    }
}
