using System.Globalization;
using System.Text.Json.Serialization;

namespace QwenMesh.Hosting;

/// <summary>
/// What decode tells the gateway about a request's tokens, the seam the gateway's quota settlement rests on: the
/// prompt's size as soon as decode knows it (response header <see cref="PromptTokensHeader"/>), and what the request
/// used once it ended (this record, at <see cref="Route"/>, behind the mesh credential).
/// </summary>
public sealed record UsageReport(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("cached_tokens")] long CachedTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens,
    [property: JsonPropertyName("status")] string Status)
{
    public const string PromptTokensHeader = "x-qwenmesh-prompt-tokens";

    /// <summary>The usage endpoint's route on a decode pod; <c>?wait_ms=N</c> waits for a request still running.</summary>
    public const string Route = "/internal/v1/requests/{id}/usage";

    public static string PathFor(string requestId, int waitMs) =>
        Route.Replace("{id}", Uri.EscapeDataString(requestId), StringComparison.Ordinal) + "?wait_ms=" + waitMs.ToString(CultureInfo.InvariantCulture);
}
