using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The sampling and streaming parameters shared by /v1/chat/completions and /v1/completions. TopK 0 means no top-k
/// filter (the request's -1 and 0 both map to it); Seed keeps the bit pattern of the request's signed 64-bit seed.
/// </summary>
public sealed record GenerationOptions(
    double Temperature,
    double TopP,
    int TopK,
    ulong? Seed,
    IReadOnlyList<string> Stop,
    bool Stream,
    bool IncludeUsage)
{
    /// <summary>OpenAI's limit on stop sequences.</summary>
    public const int MaxStopSequences = 4;

    /// <summary>Every field at its OpenAI default: temperature 1, top_p 1, no top-k, no seed, no stop, not streamed.</summary>
    public static GenerationOptions Default { get; } = new(1.0, 1.0, 0, null, [], false, false);

    internal static GenerationOptions Parse(JsonElement root)
    {
        // n is validated here because both endpoints take it and neither can honour more than one choice.
        if (RequestJson.OptionalLong(root, "n") is { } n && n != 1)
        {
            throw RequestErrors.UnsupportedValue("n", $"only n=1 is supported (got n={n})");
        }

        int topK = RequestJson.OptionalInt(root, "top_k", minimum: -1) ?? 0;
        bool stream = RequestJson.OptionalBool(root, "stream") ?? false;
        return new GenerationOptions(
            Temperature: RequestJson.OptionalNumber(root, "temperature", 0, 2) ?? 1.0,
            TopP: RequestJson.OptionalNumber(root, "top_p", 0, 1, minimumExclusive: true) ?? 1.0,
            TopK: topK < 0 ? 0 : topK,
            Seed: RequestJson.OptionalLong(root, "seed") is { } seed ? unchecked((ulong)seed) : null,
            Stop: ParseStop(root),
            Stream: stream,
            IncludeUsage: ParseIncludeUsage(root, stream));
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

    static bool ParseIncludeUsage(JsonElement root, bool stream)
    {
        if (!RequestJson.TryGetValue(root, "stream_options", out var options)) return false;
        if (!stream)
        {
            throw OpenAiException.BadRequest(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", "invalid_value");
        }
        RequestJson.AsObject(options, "stream_options");
        return RequestJson.OptionalBool(options, "include_usage", "stream_options") ?? false;
    }
}
