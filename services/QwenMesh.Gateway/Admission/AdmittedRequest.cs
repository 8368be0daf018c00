using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Admission;

/// <summary>
/// One admitted request while it runs (an HTTP feature): its tenant, key, token reservation (lowered once decode
/// tells the prompt's real size) and when its first upstream bytes came.
/// </summary>
public sealed class AdmittedRequest(Tenant tenant, string keyId, string requestId, string? model, long promptBound, int completionBound)
{
    public Tenant Tenant { get; } = tenant;
    public string KeyId { get; } = keyId;
    public string RequestId { get; } = requestId;
    public string? Model { get; } = model;
    public int CompletionBound { get; } = completionBound;

    /// <summary>The tokens held against the tenant's limits: the prompt's bound plus the completion bound, until revised.</summary>
    public long Reserved { get; set; } = promptBound + completionBound;

    /// <summary>The prompt's real size once decode told it (response header x-qwenmesh-prompt-tokens).</summary>
    public int? PromptTokens { get; set; }

    /// <summary>The revision of the reservation in flight, awaited before settlement.</summary>
    public Task Revision { get; set; } = Task.CompletedTask;

    public long? FirstBytesAt { get; set; }

    /// <summary>The pod went away mid-stream (the client got an error event in place of the rest).</summary>
    public bool PodDied { get; set; }
}
