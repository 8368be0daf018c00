using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using QwenMesh.Contracts.V1;
using QwenMesh.Engine;
using QwenMesh.Engine.State;
using QwenMesh.Model;
using StackExchange.Redis;
using static TorchSharp.torch;

namespace QwenMesh.Hosting;

/// <summary>Registers what every model-serving process needs: the model, its gate, the state codec and the state store.</summary>
public static class ModelHosting
{
    public static IServiceCollection AddQwenMeshModel(this IServiceCollection services, ServingOptions options)
    {
        ScalarType dtype = ParseDType(options);
        if (string.IsNullOrEmpty(options.Model)) throw new InvalidOperationException("QwenMesh:Model (the model folder) is required");
        string fingerprint = ModelFingerprint.Compute(options.Model);
        var experts = ExpertHosting.RemoteExecutor(options, QwenMesh.Model.Config.ModelConfig.Load(options.Model), dtype, fingerprint);
        var model = QwenModel.Load(options.Model, dtype, experts);
        if (experts is not null) services.AddSingleton(experts);
        services.AddSingleton(options);
        services.AddSingleton(model);
        services.AddSingleton(new ModelGate());
        services.AddSingleton(StateCodec.For(model, fingerprint));
        services.AddSingleton(StateLimits.For(model.Config, model.DType, options.MaxContextTokens,
            TimeSpan.FromSeconds(options.HandoffTtlSeconds), TimeSpan.FromSeconds(options.SessionTtlSeconds)));
        services.AddSingleton(new ModelIdentity(options.ModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(options.Model)), fingerprint));
        return services;
    }

    public static ScalarType ParseDType(ServingOptions options) => options.DType switch
    {
        "float32" or "f32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new InvalidOperationException($"QwenMesh:DType must be float32 or bfloat16, got '{options.DType}'"),
    };

    /// <summary>Redis when configured; else the gRPC client of the embedded store; else (the owner) the in-process store.</summary>
    public static IServiceCollection AddQwenMeshStateStore(this IServiceCollection services, ServingOptions options)
    {
        if (!string.IsNullOrEmpty(options.Redis))
        {
            var redis = ConnectionMultiplexer.Connect(options.Redis);
            services.AddSingleton<IConnectionMultiplexer>(redis);
            services.AddSingleton<IStateStore>(new RedisStateStore(redis));
        }
        else if (!string.IsNullOrEmpty(options.StateStoreUrl))
        {
            var channel = GrpcChannel.ForAddress(options.StateStoreUrl, new GrpcChannelOptions { MaxReceiveMessageSize = 16 << 20 });
            services.AddSingleton<IStateStore>(new GrpcStateStore(new StateStore.StateStoreClient(MeshCredential.From(options).Invoker(channel))));
        }
        else
        {
            services.AddSingleton<IStateStore>(new InMemoryStateStore());
        }
        return services;
    }
}

/// <summary>The served model's public name and the fingerprint its states carry.</summary>
public sealed record ModelIdentity(string Name, string Fingerprint);
