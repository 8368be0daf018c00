using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace QwenMesh.Hosting;

/// <summary>
/// The gRPC channel to another service of the mesh. An <c>http://host:port</c> address is one connection (a pod, or
/// a StatefulSet pod's stable name); a <c>dns:///host:port</c> address balances round-robin over every address the
/// name resolves to, re-resolved every few seconds, so a headless Service of a scaled pool (prefill) spreads the calls
/// over its pods and picks up new ones (one HTTP/2 connection to a ClusterIP would pin every call to one pod).
/// </summary>
public static class MeshChannels
{
    static readonly TimeSpan DnsRefresh = TimeSpan.FromSeconds(5);

    static readonly Lazy<IServiceProvider> DnsBalancing = new(() => new ServiceCollection()
        .AddSingleton<ResolverFactory>(new DnsResolverFactory(refreshInterval: DnsRefresh))
        .BuildServiceProvider());

    public static GrpcChannel For(string address, GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        if (address.StartsWith("dns:", StringComparison.OrdinalIgnoreCase))
        {
            options.Credentials = ChannelCredentials.Insecure;
            options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
            options.ServiceProvider = DnsBalancing.Value;
        }
        return GrpcChannel.ForAddress(address, options);
    }
}
