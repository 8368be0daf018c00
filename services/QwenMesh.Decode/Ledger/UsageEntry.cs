using System.Text.Json;
using QwenMesh.Hosting;
using QwenMesh.Metering.Events;

namespace QwenMesh.Decode.Ledger;

/// <summary>
/// What one request used, as decode ended it: for a finished request the <c>usage</c> its client was told; for a
/// cancelled or failed one what was computed (the prompt prefilled and the tokens generated); zeros for one refused
/// before anything ran. Statuses are <see cref="UsageStatus"/>'s.
/// </summary>
public sealed record UsageEntry(int PromptTokens, int CachedTokens, int CompletionTokens, string Status)
{
    public static UsageEntry Told(OpenAi.Usage usage) => new(usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens, UsageStatus.Finished);

    /// <summary>The entry as the usage endpoint answers it (<see cref="UsageReport"/>, the gateway's side of the seam), as UTF-8 JSON.</summary>
    public byte[] ToJson(string requestId) => JsonSerializer.SerializeToUtf8Bytes(new UsageReport(requestId, PromptTokens, CachedTokens, CompletionTokens, Status));
}
