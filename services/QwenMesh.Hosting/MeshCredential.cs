using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QwenMesh.Hosting;

/// <summary>
/// The shared secret every internal gRPC call carries (state store, prefill, expert workers), so that a process that
/// merely reaches a port cannot read, overwrite or delete tenants' states or spend the mesh's compute. It comes from
/// QwenMesh:MeshSecret or the file named by QwenMesh:MeshSecretFile (a mounted Kubernetes Secret); `up` makes one per run.
/// Without one the internal ports are open, and each service says so at start.
/// </summary>
public sealed class MeshCredential
{
    /// <summary>The metadata key of the credential on internal calls.</summary>
    public const string Header = "x-qwenmesh-mesh-token";

    /// <summary>The environment variable `up` hands each child the secret in (never the command line, which any local user can read).</summary>
    public const string EnvironmentVariable = "QwenMesh__MeshSecret";

    readonly byte[]? _digest;

    public MeshCredential(string? secret)
    {
        Secret = string.IsNullOrEmpty(secret) ? null : secret;
        _digest = Secret is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(Secret));
    }

    public string? Secret { get; }
    public bool Required => Secret is not null;

    public static MeshCredential From(ServingOptions options) => From(options.MeshSecret, options.MeshSecretFile);

    /// <summary>The credential named by QwenMesh:MeshSecret, or read from QwenMesh:MeshSecretFile when that is set.</summary>
    public static MeshCredential From(string? secret, string? secretFile)
    {
        if (!string.IsNullOrEmpty(secretFile))
        {
            if (!File.Exists(secretFile))
                throw new InvalidOperationException($"QwenMesh:MeshSecretFile '{secretFile}' does not exist");
            return new MeshCredential(File.ReadAllText(secretFile).Trim());
        }
        return new MeshCredential(secret);
    }

    /// <summary>Compares in constant time (both sides hashed first, so neither length nor content leaks through timing).</summary>
    public bool Accepts(string? presented) =>
        _digest is null || (presented is not null && CryptographicOperations.FixedTimeEquals(_digest, SHA256.HashData(Encoding.UTF8.GetBytes(presented))));

    /// <summary>A call invoker over <paramref name="channel"/> that adds the credential to every call.</summary>
    public CallInvoker Invoker(GrpcChannel channel) => Secret is null
        ? channel.CreateCallInvoker()
        : channel.Intercept(metadata =>
        {
            metadata.Add(Header, Secret);
            return metadata;
        });
}

/// <summary>Refuses an internal call without the mesh credential (Unauthenticated) before any handler runs.</summary>
public sealed class MeshCredentialInterceptor(MeshCredential credential) : CallCheckInterceptor
{
    protected override void Check(ServerCallContext context)
    {
        if (!credential.Accepts(context.RequestHeaders.GetValue(MeshCredential.Header)))
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"internal call without a valid mesh credential ({MeshCredential.Header})"));
    }
}

/// <summary>Registers the credential and its interceptor for a service that serves or calls internal gRPC.</summary>
public static class MeshCredentialHosting
{
    public static IServiceCollection AddMeshGrpc(this IServiceCollection services, MeshCredential credential, int maxReceiveBytes, int? maxSendBytes = null)
    {
        services.AddSingleton(credential);
        services.AddGrpc(g =>
        {
            // Strangers are refused before anything else; then calls wait for nothing while the process starts.
            g.Interceptors.Add<MeshCredentialInterceptor>();
            g.Interceptors.Add<StartupInterceptor>();
            g.MaxReceiveMessageSize = maxReceiveBytes;
            if (maxSendBytes is { } send) g.MaxSendMessageSize = send;
        });
        return services;
    }

    /// <summary>Warns once at start when the internal ports accept anyone.</summary>
    public static void WarnIfOpen(MeshCredential credential, ILogger log)
    {
        if (!credential.Required)
            log.LogWarning("no mesh credential configured (QwenMesh:MeshSecret or QwenMesh:MeshSecretFile): internal gRPC endpoints accept any caller");
    }
}
