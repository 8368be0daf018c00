using QwenMesh.Engine.Experts;
using QwenMesh.Engine.State;
using QwenMesh.Model;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Hosting;

/// <summary>The model and what is derived from it, filled in once by <see cref="ModelStartup"/>.</summary>
public sealed class LoadedModel
{
    Loaded? _loaded;

    internal sealed record Loaded(QwenModel Model, StateCodec Codec, StateLimits Limits, ModelIdentity Identity, RemoteExpertExecutor? Experts);

    internal void Set(Loaded loaded) => _loaded = loaded;

    Loaded Value => _loaded ?? throw new ServiceStartingException("the model is still loading");

    public QwenModel Model => Value.Model;
    public StateCodec Codec => Value.Codec;
    public StateLimits Limits => Value.Limits;
    public ModelIdentity Identity => Value.Identity;

    /// <summary>The remote expert executor when the experts live on workers; null when they are in this process.</summary>
    public RemoteExpertExecutor? Experts => Value.Experts;
}
