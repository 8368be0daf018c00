namespace QwenMesh.ServiceDefaults.Tracing;

/// <summary>
/// Span attribute names: OpenTelemetry's GenAI semantic conventions where they have one, <c>qwenmesh.*</c> for the
/// parts of a disaggregated request they do not name.
/// </summary>
public static class GenAiAttributes
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string ResponseId = "gen_ai.response.id";
    public const string RequestMaxTokens = "gen_ai.request.max_tokens";
    public const string RequestTemperature = "gen_ai.request.temperature";
    public const string RequestTopP = "gen_ai.request.top_p";
    public const string RequestTopK = "gen_ai.request.top_k";
    public const string RequestSeed = "gen_ai.request.seed";
    public const string RequestStream = "gen_ai.request.stream";
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string ResponseTimeToFirstChunk = "gen_ai.response.time_to_first_chunk";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string CacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";
    public const string ConversationId = "gen_ai.conversation.id";

    public const string Tenant = "qwenmesh.tenant";

    /// <summary>The provider name QwenMesh reports (the serving system, as vLLM or SGLang would).</summary>
    public const string Provider = "qwenmesh";
}
