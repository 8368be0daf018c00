using System.Net;
using Microsoft.Extensions.Configuration;
using QwenMesh.ServiceDefaults.Options;
using QwenMesh.Text.ToolCalls;

namespace QwenMesh.Hosting;

/// <summary>
/// Settings every QwenMesh service reads from configuration (section "QwenMesh", or --QwenMesh:Name=value), checked
/// when read: a bad value stops the process with a line naming the key and the value.
/// </summary>
public sealed class ServingOptions
{
    public const string Section = "QwenMesh";

    public static ServingOptions From(IConfiguration configuration) => ValidatedOptions.Bind<ServingOptions>(configuration, Section, Check);

    static void Check(ServingOptions o, OptionChecks c)
    {
        c.Required(nameof(Model), o.Model);
        if (QwenMesh.Model.DTypeNames.Parse(o.DType) is null) c.Fail(nameof(DType), o.DType, $"must be {QwenMesh.Model.DTypeNames.Accepted}");
        if (!IPAddress.TryParse(o.Bind, out _)) c.Fail(nameof(Bind), o.Bind, "must be an IP address");
        if (o.HttpPort is < 1 or > 65535) c.Fail(nameof(HttpPort), o.HttpPort, "must be a port (1-65535)");
        if (o.GrpcPort is < 0 or > 65535) c.Fail(nameof(GrpcPort), o.GrpcPort, "must be a port (1-65535), or 0 for none");
        c.AtLeast(nameof(ExpertReplicas), o.ExpertReplicas, 1);
        c.AtLeast(nameof(Workers), o.Workers, 1);
        if (o.WorkerIndex < 0 || o.WorkerIndex >= o.Workers) c.Fail(nameof(WorkerIndex), o.WorkerIndex, $"must be in [0, {c.Key(nameof(Workers))}={o.Workers})");
        c.Positive(nameof(ExpertTimeoutSeconds), o.ExpertTimeoutSeconds);
        c.Positive(nameof(ExpertCooldownSeconds), o.ExpertCooldownSeconds);
        c.AtLeast(nameof(MaxContextTokens), o.MaxContextTokens, 2);
        c.AtLeast(nameof(DefaultMaxTokens), o.DefaultMaxTokens, 1);
        if (o.ThinkingTokenBudget is { } thinking) c.AtLeast(nameof(ThinkingTokenBudget), thinking, 0);
        if (!ToolCallFormats.Names.Contains(o.ToolCallParser.ToLowerInvariant()))
            c.Fail(nameof(ToolCallParser), o.ToolCallParser, $"must be one of {string.Join(", ", ToolCallFormats.Names)}");
        c.AtLeast(nameof(HandoffTtlSeconds), o.HandoffTtlSeconds, 1);
        c.AtLeast(nameof(SessionTtlSeconds), o.SessionTtlSeconds, 1);
    }

    /// <summary>The name clients use in the "model" field and the model_name label of every metric.</summary>
    public string ServedName => ModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Model));

    /// <summary>The HF model folder to serve.</summary>
    public string Model { get; set; } = "";

    /// <summary>The name clients use in the "model" field; defaults to the folder name.</summary>
    public string? ModelName { get; set; }

    /// <summary>float32 or bfloat16.</summary>
    public string DType { get; set; } = "float32";

    /// <summary>Redis endpoint (host:port) of the shared state store; empty: states travel in prefill replies and sessions stay in process.</summary>
    public string? Redis { get; set; }

    /// <summary>Prefill service addresses (comma-separated); empty means this process prefills itself (colocated).</summary>
    public string? PrefillUrls { get; set; }

    /// <summary>Port of the process's HTTP/1.1 endpoint: decode's OpenAI API, every role's /health.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>Address the decode service listens on: loopback for the local mesh, 0.0.0.0 in a pod.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>Port of this process's gRPC endpoint (prefill, expert worker, the embedded state store in decode); 0 for none.</summary>
    public int GrpcPort { get; set; }

    /// <summary>Expert worker addresses (comma-separated, worker 0 first); empty keeps the experts in this process.</summary>
    public string? ExpertWorkerUrls { get; set; }

    /// <summary>Workers holding each expert in the default round-robin placement.</summary>
    public int ExpertReplicas { get; set; } = 1;

    /// <summary>A placement file (<c>{"workers": N, "experts": [[w, ...], ...]}</c>) instead of round-robin.</summary>
    public string? ExpertPlacementFile { get; set; }

    /// <summary>For an expert worker: its index in the placement, and how many workers the placement has.</summary>
    public int WorkerIndex { get; set; }
    public int Workers { get; set; } = 1;

    /// <summary>Seconds an expert call may take before the worker counts as failed.</summary>
    public double ExpertTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds a failed expert worker is skipped (its replicas serve meanwhile) before it is tried again.</summary>
    public double ExpertCooldownSeconds { get; set; } = 2;

    /// <summary>Longest prompt + completion the service accepts, in tokens.</summary>
    public int MaxContextTokens { get; set; } = 32768;

    /// <summary>Completion tokens a request gets when it names no max_tokens (the rest of the context would hold a batch slot for long).</summary>
    public int DefaultMaxTokens { get; set; } = 4096;

    /// <summary>
    /// Reasoning tokens a chat answer may spend before &lt;/think&gt; is forced, for requests that name no
    /// thinking_token_budget; null for no limit. A constrained answer (a schema, a required tool call) comes only after it.
    /// </summary>
    public int? ThinkingTokenBudget { get; set; }

    /// <summary>How answers' tool calls are read: auto (the format the chat template shows), hermes, qwen3_coder (XML), none.</summary>
    public string ToolCallParser { get; set; } = "auto";

    /// <summary>The mesh credential every internal gRPC call carries, or a file holding it (see MeshCredential).</summary>
    public string? MeshSecret { get; set; }
    public string? MeshSecretFile { get; set; }

    /// <summary>Seconds a prefill-to-decode handoff may wait before it expires.</summary>
    public int HandoffTtlSeconds { get; set; } = 120;

    /// <summary>Seconds a session's saved state lives after its last turn.</summary>
    public int SessionTtlSeconds { get; set; } = 1800;
}
