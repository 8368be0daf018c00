using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QwenMesh.Gateway.Admin;
using QwenMesh.ServiceDefaults.Startup;
using StackExchange.Redis;

namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// Where tenants, keys and quota counters live: Redis when the gateway has one (every replica shares them exactly),
/// else this process, with the tenants file as the tenants' durable form. The tenants file, when given, is read at
/// build time (a bad file is a start-up error naming the field) and applied before the gateway is ready.
/// </summary>
public static class GatewayTenancy
{
    public static IServiceCollection AddGatewayTenancy(this IServiceCollection services, GatewayOptions options)
    {
        var lease = TimeSpan.FromSeconds(options.Gateway.LeaseSeconds);
        string? file = options.Gateway.TenantsFile is { Length: > 0 } f ? Path.GetFullPath(f) : null;
        var declared = file is not null && File.Exists(file) ? TenantFile.Load(file) : [];
        services.AddSingleton(new AdminCredential(options.Gateway.AdminKey));
        if (!string.IsNullOrEmpty(options.Redis))
        {
            // Connects in the background: until Redis answers, /v1 calls fail with 503 rather than the process.
            var redis = ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { options.Redis }, AbortOnConnectFail = false });
            services.AddSingleton<IConnectionMultiplexer>(redis);
            services.AddSingleton(sp => new RedisTenantStore(redis, sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<ITenantStore>(sp => sp.GetRequiredService<RedisTenantStore>());
            services.AddSingleton<IQuotaStore>(new RedisQuotaStore(redis, lease));
            if (declared.Count > 0)
                services.AddSingleton<IStartupWork>(sp => new DeclaredTenants(declared, sp.GetRequiredService<RedisTenantStore>(), sp.GetRequiredService<ILogger<DeclaredTenants>>()));
        }
        else
        {
            services.AddSingleton<ITenantStore>(sp =>
            {
                var store = new InMemoryTenantStore(sp.GetRequiredService<TimeProvider>(), file);
                store.Apply(declared);
                return store;
            });
            services.AddSingleton<IQuotaStore>(sp => new InMemoryQuotaStore(sp.GetRequiredService<TimeProvider>(), lease));
        }
        return services;
    }

    /// <summary>
    /// Writes the tenants file's tenants and key hashes into Redis (every replica does; it is idempotent). Tenants and
    /// keys made through the admin API stay: the file declares what must exist, not all that may.
    /// </summary>
    sealed class DeclaredTenants(IReadOnlyList<(Tenant Tenant, IReadOnlyList<ApiKeyRecord> Keys)> declared, RedisTenantStore store, ILogger<DeclaredTenants> log) : IStartupWork
    {
        public string Stage => "applying the tenants file";

        public async Task RunAsync(CancellationToken cancellation)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    foreach (var (tenant, keys) in declared)
                    {
                        await store.PutTenantAsync(tenant, cancellation);
                        foreach (var key in keys) await store.StoreAsync(key);
                    }
                    log.LogInformation("tenants file: {Tenants} tenants, {Keys} keys applied", declared.Count, declared.Sum(d => d.Keys.Count));
                    return;
                }
                catch (RedisException e) when (attempt < 30)
                {
                    log.LogWarning("tenants file: Redis not reachable yet ({Message}); retrying", e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
                }
            }
        }
    }
}
