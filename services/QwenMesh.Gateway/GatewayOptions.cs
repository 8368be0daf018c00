using System.Net;
using Microsoft.Extensions.Configuration;
using QwenMesh.ServiceDefaults.Options;

namespace QwenMesh.Gateway;

/// <summary>
/// The gateway's settings: the QwenMesh keys every service shares (Redis, the mesh secret, where to listen) and the
/// section QwenMesh:Gateway of its own (--QwenMesh:Gateway:AdminKey=..., or QWENMESH_ADMIN_KEY for the admin key).
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "QwenMesh";
    public const string AdminKeyVariable = "QWENMESH_ADMIN_KEY";

    public static GatewayOptions From(IConfiguration configuration)
    {
        var options = ValidatedOptions.Bind<GatewayOptions>(configuration, Section, Check);
        if (string.IsNullOrEmpty(options.Gateway.AdminKey) && Environment.GetEnvironmentVariable(AdminKeyVariable) is { Length: > 0 } key)
            options.Gateway.AdminKey = key;
        return options;
    }

    static void Check(GatewayOptions o, OptionChecks c)
    {
        if (!IPAddress.TryParse(o.Bind, out _)) c.Fail(nameof(Bind), o.Bind, "must be an IP address");
        if (o.HttpPort is < 1 or > 65535) c.Fail(nameof(HttpPort), o.HttpPort, "must be a port (1-65535)");
        var g = o.Gateway;
        if (g.DecodeUrls().Count == 0) c.Fail("Gateway:Decode", g.Decode, "must name the decode pool: comma-separated URLs (a DNS name is re-resolved, e.g. a headless Service)");
        foreach (string url in g.DecodeUrls())
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                c.Fail("Gateway:Decode", url, "must be an http(s) URL");
        }
        c.Positive("Gateway:HealthIntervalSeconds", g.HealthIntervalSeconds);
        c.Positive("Gateway:DnsRefreshSeconds", g.DnsRefreshSeconds);
        c.Positive("Gateway:LeaseSeconds", g.LeaseSeconds);
        c.Positive("Gateway:UpstreamIdleSeconds", g.UpstreamIdleSeconds);
        c.AtLeast("Gateway:PromptAllowanceTokens", g.PromptAllowanceTokens, 0);
        c.AtLeast("Gateway:MaxTokens", g.MaxTokens, 1);
        if (g.AdminKey is { Length: > 0 and < 16 }) c.Fail("Gateway:AdminKey", "(hidden)", "must be at least 16 characters");
        if (g.TenantsFile is { Length: > 0 } file && !File.Exists(file) && string.IsNullOrEmpty(o.Redis) && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(file))))
            c.Fail("Gateway:TenantsFile", file, "must be a file, or a path in an existing folder");
    }

    /// <summary>Redis endpoint (host:port): tenants, keys and quota counters shared by every gateway replica. Empty: held by this process.</summary>
    public string? Redis { get; set; }

    /// <summary>The mesh secret (see MeshCredential): the gateway signs each request's identity with it.</summary>
    public string? MeshSecret { get; set; }
    public string? MeshSecretFile { get; set; }

    public int HttpPort { get; set; } = 8080;
    public string Bind { get; set; } = "127.0.0.1";

    public GatewaySettings Gateway { get; set; } = new();
}

public sealed class GatewaySettings
{
    /// <summary>The decode pool: comma-separated base URLs; host names are resolved (and re-resolved) to one destination per address.</summary>
    public string? Decode { get; set; }

    /// <summary>Secured mode when set: every /v1 call needs an API key, and the admin API needs this key.</summary>
    public string? AdminKey { get; set; }

    /// <summary>The declarative tenants file (JSON or YAML). Without Redis the admin API also keeps its changes here.</summary>
    public string? TenantsFile { get; set; }

    /// <summary>Seconds between /ready probes of each decode pod (its health and its running/waiting gauges).</summary>
    public double HealthIntervalSeconds { get; set; } = 1;

    /// <summary>Seconds between re-resolutions of the decode pool's DNS names.</summary>
    public double DnsRefreshSeconds { get; set; } = 5;

    /// <summary>A concurrency slot's lease: renewed while the request runs, freed by itself this long after a gateway dies.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>
    /// An upstream response may be silent this long before it is cut (a long prefill queue, not a long stream: every
    /// event resets it). There is no total timeout, so no stream is ever cut for being long.
    /// </summary>
    public double UpstreamIdleSeconds { get; set; } = 600;

    /// <summary>Tokens reserved for the chat template's own text on top of the request body's bytes (an upper bound of its prompt).</summary>
    public int PromptAllowanceTokens { get; set; } = 256;

    /// <summary>The completion-token cap of the open gateway's default tenant.</summary>
    public int MaxTokens { get; set; } = 4096;

    public bool Secured => !string.IsNullOrEmpty(AdminKey);

    public IReadOnlyList<string> DecodeUrls() =>
        (Decode ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => u.TrimEnd('/')).ToList();
}
