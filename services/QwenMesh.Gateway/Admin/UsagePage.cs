using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using QwenMesh.Gateway.Tenancy;

namespace QwenMesh.Gateway.Admin;

/// <summary>A page of usage buckets in the shape of OpenAI's organization usage API (completions), grouped by api_key_id and model.</summary>
public sealed record UsagePage(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<UsagePage.Bucket> Data,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next_page")] string? NextPage)
{
    public static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static UsagePage From(IReadOnlyList<UsageBucket> buckets, UsageQuery query) => new("page",
        buckets.Select(b => new Bucket("bucket", b.Start, b.End, b.Results.Select(r => new Result(
            "organization.usage.completions.result", r.InputTokens, r.OutputTokens, r.CachedTokens, 0, 0, r.Requests, null, null, r.ApiKeyId, r.Model, null)).ToList())).ToList(),
        query.NextPage is not null,
        query.NextPage?.ToString(CultureInfo.InvariantCulture));

    public sealed record Bucket(
        [property: JsonPropertyName("object")] string Object,
        [property: JsonPropertyName("start_time")] long StartTime,
        [property: JsonPropertyName("end_time")] long EndTime,
        [property: JsonPropertyName("results")] IReadOnlyList<Result> Results);

    public sealed record Result(
        [property: JsonPropertyName("object")] string Object,
        [property: JsonPropertyName("input_tokens")] long InputTokens,
        [property: JsonPropertyName("output_tokens")] long OutputTokens,
        [property: JsonPropertyName("input_cached_tokens")] long InputCachedTokens,
        [property: JsonPropertyName("input_audio_tokens")] long InputAudioTokens,
        [property: JsonPropertyName("output_audio_tokens")] long OutputAudioTokens,
        [property: JsonPropertyName("num_model_requests")] long NumModelRequests,
        [property: JsonPropertyName("project_id")] string? ProjectId,
        [property: JsonPropertyName("user_id")] string? UserId,
        [property: JsonPropertyName("api_key_id")] string ApiKeyId,
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("batch")] bool? Batch);
}
