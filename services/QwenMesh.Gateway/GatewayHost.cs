using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QwenMesh.Gateway.Admin;
using QwenMesh.Gateway.Admission;
using QwenMesh.Gateway.Proxy;
using QwenMesh.Gateway.Routing;
using QwenMesh.Gateway.Tenancy;
using QwenMesh.Hosting;
using QwenMesh.ServiceDefaults;
using QwenMesh.ServiceDefaults.Logging;
using QwenMesh.Metering;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Transforms;

namespace QwenMesh.Gateway;

/// <summary>
/// The gateway process: the mesh's only public door. YARP forwards /v1/* to the decode pool (session-affine or least
/// loaded, probed on /ready), after the tenancy layer authenticated, admitted and signed each request; the admin API
/// manages tenants and keys; /health, /ready and /metrics as every role.
/// </summary>
public static class GatewayHost
{
    public const string Role = "qwenmesh-gateway";
    const string ClusterId = "decode";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = GatewayOptions.From(builder.Configuration);
        var credential = MeshCredential.From(options.MeshSecret, options.MeshSecretFile);
        if (options.Gateway.Secured && !credential.Required)
            throw new InvalidOperationException("secured mode (QwenMesh:Gateway:AdminKey) needs a mesh secret (QwenMesh:MeshSecret or QwenMesh:MeshSecretFile) to sign identities for decode");
        builder.AddServiceDefaults(Role, modelName: "gateway");
        // YARP logs every forward and every probe at Information: our request log already has one line per request.
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Bind), options.HttpPort));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(credential);
        builder.Services.AddSingleton<MeshIdentity>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<UsageReports>();
        builder.Services.AddUsageEvents(builder.Configuration, "gateway");
        builder.Services.AddSingleton<GatewayUsage>();
        builder.Services.AddSingleton<PodLoad>();
        builder.Services.AddSingleton<ResponseRelay>();
        builder.Services.AddSingleton<ILoadBalancingPolicy, SessionOrLeastLoadedPolicy>();
        builder.Services.AddSingleton<IActiveHealthCheckPolicy, ReadyProbePolicy>();
        builder.Services.AddGatewayTenancy(options);
        builder.Services.AddReverseProxy()
            .LoadFromMemory([Route()], [Cluster(options)])
            .AddDnsDestinationResolver(o => o.RefreshPeriod = TimeSpan.FromSeconds(options.Gateway.DnsRefreshSeconds))
            .AddTransforms(t => t.AddResponseTransform(c => t.Services.GetRequiredService<ResponseRelay>().ApplyAsync(c)));

        var app = builder.Build();
        // The gateway is the edge: request ids are its own, never a client's (they key quota records and usage events).
        app.Use((http, next) =>
        {
            http.Request.Headers.Remove(MeshIdentity.RequestIdHeader);
            return next(http);
        });
        app.UseServiceDefaults();
        app.MapAdminApi();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<AdmissionMiddleware>();
            proxy.Use((http, next) => ConnectRetry.InvokeAsync(http, () => next(http)));
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        app.MapFallback(http => GatewayErrors.WriteAsync(http, StatusCodes.Status404NotFound, GatewayErrors.InvalidRequest,
            $"Invalid URL ({http.Request.Method} {http.Request.Path})", "unknown_url"));
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Role);
        if (!options.Gateway.Secured)
            log.LogWarning("open mode: no admin key (QwenMesh:Gateway:AdminKey or {Variable}), so /v1 needs no API key and every caller is tenant \"default\"", GatewayOptions.AdminKeyVariable);
        MeshCredentialHosting.WarnIfOpen(credential, log);
        return app;
    }

    static RouteConfig Route() => new()
    {
        RouteId = "v1",
        ClusterId = ClusterId,
        Match = new RouteMatch { Path = "/v1/{**rest}" },
    };

    static ClusterConfig Cluster(GatewayOptions options)
    {
        var g = options.Gateway;
        return new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = SessionOrLeastLoadedPolicy.PolicyName,
            Destinations = g.DecodeUrls().Select((url, i) => (url, i)).ToDictionary(d => $"decode-{d.i}", d => new DestinationConfig { Address = d.url }),
            HealthCheck = new HealthCheckConfig
            {
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyAndUnknown,
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = TimeSpan.FromSeconds(g.HealthIntervalSeconds),
                    Timeout = TimeSpan.FromSeconds(Math.Max(1, g.HealthIntervalSeconds)),
                    Policy = ReadyProbePolicy.PolicyName,
                    Path = ReadyProbePolicy.Path,
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                    ReactivationPeriod = TimeSpan.FromSeconds(2),
                },
            },
            HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig
            {
                // No total timeout exists on this path (no resilience handler): only a silence this long cuts a response.
                ActivityTimeout = TimeSpan.FromSeconds(g.UpstreamIdleSeconds),
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            },
        };
    }
}
