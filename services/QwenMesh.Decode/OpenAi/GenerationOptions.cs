using System.Text.Json;
using QwenMesh.Model.Sampling;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The sampling and streaming parameters shared by /v1/chat/completions and /v1/completions. TopK 0 means no top-k
/// filter (the request's -1 and 0 both map to it); Seed keeps the bit pattern of the request's signed 64-bit seed.
/// Penalties, min_p and logit_bias are OpenAI's and vLLM's (see <see cref="SamplingParams"/>); StopTokenIds end the
/// output like the model's own end tokens (not shown); ContinuousUsage is vLLM's
/// <c>stream_options.continuous_usage_stats</c>: usage in every chunk. User is OpenAI's end-user tag, recorded in the
/// request's usage event. Logprobs: how many alternatives each token's logprob comes with (0 for none), null for no
/// logprobs.
/// </summary>
public sealed record GenerationOptions(
    double Temperature,
    double TopP,
    int TopK,
    ulong? Seed,
    IReadOnlyList<string> Stop,
    bool Stream,
    bool IncludeUsage,
    double PresencePenalty = 0,
    double FrequencyPenalty = 0,
    double RepetitionPenalty = 1,
    double MinP = 0,
    IReadOnlyDictionary<int, float>? LogitBias = null,
    IReadOnlyList<int>? StopTokenIds = null,
    bool ContinuousUsage = false,
    string? User = null,
    int? Logprobs = null,
    int N = 1)
{
    /// <summary>Choices one request may ask for: each holds a copy of the prompt's state for its whole decode.</summary>
    public const int MaxChoices = 16;

    /// <summary>OpenAI's limit on logit_bias entries.</summary>
    public const int MaxLogitBias = 300;

    /// <summary>How the engine samples for these options.</summary>
    public SamplingParams Sampling() => new(Temperature, TopK, TopP, Seed, PresencePenalty, FrequencyPenalty, RepetitionPenalty, MinP, LogitBias, Logprobs);

    /// <summary>OpenAI's limit on stop sequences.</summary>
    public const int MaxStopSequences = 4;

    /// <summary>Every field at its OpenAI default: temperature 1, top_p 1, no top-k, no seed, no stop, not streamed.</summary>
    public static GenerationOptions Default { get; } = new(1.0, 1.0, 0, null, [], false, false);

    internal static GenerationOptions Parse(JsonElement root)
    {
        int n = RequestJson.OptionalInt(root, "n", minimum: 1, maximum: MaxChoices) ?? 1;

        int topK = RequestJson.OptionalInt(root, "top_k", minimum: -1) ?? 0;
        bool stream = RequestJson.OptionalBool(root, "stream") ?? false;
        var (includeUsage, continuousUsage) = ParseStreamOptions(root, stream);
        return new GenerationOptions(
            Temperature: RequestJson.OptionalNumber(root, "temperature", 0, 2) ?? 1.0,
            TopP: RequestJson.OptionalNumber(root, "top_p", 0, 1, minimumExclusive: true) ?? 1.0,
            TopK: topK < 0 ? 0 : topK,
            Seed: RequestJson.OptionalLong(root, "seed") is { } seed ? unchecked((ulong)seed) : null,
            Stop: ParseStop(root),
            Stream: stream,
            IncludeUsage: includeUsage,
            PresencePenalty: RequestJson.OptionalNumber(root, "presence_penalty", -2, 2) ?? 0,
            FrequencyPenalty: RequestJson.OptionalNumber(root, "frequency_penalty", -2, 2) ?? 0,
            RepetitionPenalty: RequestJson.OptionalNumber(root, "repetition_penalty", 0, 2, minimumExclusive: true) ?? 1,
            MinP: RequestJson.OptionalNumber(root, "min_p", 0, 1) ?? 0,
            LogitBias: ParseLogitBias(root),
            StopTokenIds: ParseStopTokenIds(root),
            ContinuousUsage: continuousUsage,
            User: RequestJson.OptionalString(root, "user"),
            N: n);
    }

    // {"token id": bias in [-100, 100]}, as OpenAI takes it; whether an id is in the vocabulary is the model's check.
    static IReadOnlyDictionary<int, float>? ParseLogitBias(JsonElement root)
    {
        if (!RequestJson.TryGetValue(root, "logit_bias", out var bias)) return null;
        RequestJson.AsObject(bias, "logit_bias");
        var parsed = new Dictionary<int, float>();
        foreach (JsonProperty entry in bias.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
            {
                throw OpenAiException.BadRequest($"Invalid key in 'logit_bias': {entry.Name}. Keys are token ids.", "logit_bias", "invalid_value");
            }
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetDouble(out double value) || value is < -100 or > 100)
            {
                throw OpenAiException.BadRequest(
                    $"Invalid value for 'logit_bias' key {entry.Name}: expected a number from -100 to 100, got {entry.Value.GetRawText()}.", "logit_bias", "invalid_value");
            }
            parsed[id] = (float)value;
        }
        if (parsed.Count > MaxLogitBias)
        {
            throw OpenAiException.BadRequest($"Invalid 'logit_bias': at most {MaxLogitBias} tokens, got {parsed.Count}.", "logit_bias", "invalid_value");
        }
        return parsed.Count == 0 ? null : parsed;
    }

    static IReadOnlyList<int>? ParseStopTokenIds(JsonElement root)
    {
        if (!RequestJson.TryGetValue(root, "stop_token_ids", out var ids)) return null;
        RequestJson.AsArray(ids, "stop_token_ids");
        var parsed = new List<int>();
        foreach (JsonElement id in ids.EnumerateArray())
        {
            string param = $"stop_token_ids[{parsed.Count}]";
            long value = RequestJson.AsInteger(id, param);
            if (value is < 0 or > int.MaxValue) throw RequestErrors.BelowMinimum(param, id, ">= 0");
            parsed.Add((int)value);
        }
        return parsed.Count == 0 ? null : parsed;
    }

    static IReadOnlyList<string> ParseStop(JsonElement root)
    {
        if (!RequestJson.TryGetValue(root, "stop", out var stop)) return [];
        if (stop.ValueKind == JsonValueKind.String)
        {
            // An empty stop string would match before the first token and end every completion empty.
            string single = RequestJson.AsString(stop, "stop");
            return single.Length > 0 ? [single] : throw RequestErrors.EmptyString("stop");
        }
        if (stop.ValueKind != JsonValueKind.Array) throw RequestErrors.WrongType("stop", "a string or an array of strings", stop);

        int length = stop.GetArrayLength();
        if (length > MaxStopSequences) throw RequestErrors.ArrayTooLong("stop", MaxStopSequences, length);
        var sequences = new List<string>(length);
        int index = 0;
        foreach (var item in stop.EnumerateArray())
        {
            string param = $"stop[{index++}]";
            string sequence = RequestJson.AsString(item, param);
            sequences.Add(sequence.Length > 0 ? sequence : throw RequestErrors.EmptyString(param));
        }
        return sequences;
    }

    static (bool IncludeUsage, bool ContinuousUsage) ParseStreamOptions(JsonElement root, bool stream)
    {
        if (!RequestJson.TryGetValue(root, "stream_options", out var options)) return (false, false);
        if (!stream)
        {
            throw OpenAiException.BadRequest(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", "invalid_value");
        }
        RequestJson.AsObject(options, "stream_options");
        bool include = RequestJson.OptionalBool(options, "include_usage", "stream_options") ?? false;
        // As in vLLM, usage in every chunk comes with include_usage: the chunks carry a usage field only then.
        return (include, include && (RequestJson.OptionalBool(options, "continuous_usage_stats", "stream_options") ?? false));
    }
}
