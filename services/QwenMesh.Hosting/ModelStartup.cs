using QwenMesh.Engine.State;
using QwenMesh.Model;
using QwenMesh.Model.Config;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Hosting;

/// <summary>
/// Loads the model once the host listens: fingerprint the checkpoint, check every expert worker (same checkpoint, same
/// placement), then load the weights. Until it finishes <c>/ready</c> is 503 and <c>/health</c> already 200.
/// </summary>
internal sealed class ModelStartup(ServingOptions options, LoadedModel loaded, ModelHosting.ExpertTelemetry experts, StartupGate gate) : IStartupWork
{
    public string Stage => "loading model";

    public Task RunAsync(CancellationToken cancellation) => Task.Run(() =>
    {
        var dtype = ModelHosting.ParseDType(options);
        string fingerprint = ModelFingerprint.Compute(options.Model);
        ModelConfig config = ModelConfig.Load(options.Model);
        cancellation.ThrowIfCancellationRequested();
        gate.Stage = "expert worker handshake";
        var executor = ExpertHosting.RemoteExecutor(options, config, dtype, fingerprint, experts);
        if (executor is not null) experts.Watch(executor);
        gate.Stage = Stage;
        var model = QwenModel.Load(options.Model, dtype, executor);
        loaded.Set(new LoadedModel.Loaded(model, StateCodec.For(model, fingerprint),
            StateLimits.For(model.Config, model.DType, options.MaxContextTokens,
                TimeSpan.FromSeconds(options.HandoffTtlSeconds), TimeSpan.FromSeconds(options.SessionTtlSeconds)),
            new ModelIdentity(options.ServedName, fingerprint), executor));
    }, cancellation);
}
