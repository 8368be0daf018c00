using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// Builds the chunks of one streamed /v1/completions response. OpenAI names them "text_completion" like the
/// non-streamed body; the order is text chunks, <see cref="FinishChunk"/>, then <see cref="UsageChunk"/> if asked for.
/// </summary>
/// <param name="usageSoFar">With stream_options.continuous_usage_stats: the usage so far, written into every chunk.</param>
/// <param name="logprobs">When the client asked for logprobs: each chunk carries those of the tokens read since the last.</param>
/// <param name="choiceIndex">The choice these chunks belong to (n > 1 streams several side by side).</param>
public sealed class CompletionChunks(string id, long created, string model, bool includeUsage, Func<Usage>? usageSoFar = null,
    TextLogprobs? logprobs = null, int choiceIndex = 0)
{
    internal const string ObjectName = "text_completion";

    /// <summary>A piece of generated text.</summary>
    public byte[] TextChunk(string text) => Chunk(text, finishReason: null);

    /// <summary>The last chunk of the choice: empty text and the finish reason.</summary>
    public byte[] FinishChunk(FinishReason reason) => Chunk("", reason);

    /// <summary>The extra chunk after the choice when stream_options.include_usage is set: no choices, the usage.</summary>
    public byte[] UsageChunk(Usage usage)
    {
        if (!includeUsage) throw new InvalidOperationException("the client did not ask for usage (stream_options.include_usage)");
        return ResponseWriter.UsageChunk(id, ObjectName, created, model, usage);
    }

    byte[] Chunk(string text, FinishReason? finishReason)
    {
        using var chunk = new ResponseWriter(id, ObjectName, created, model);
        chunk.Json.WriteStartArray("choices");
        WriteChoice(chunk.Json, choiceIndex, text, finishReason, logprobs);
        chunk.Json.WriteEndArray();
        if (includeUsage) chunk.WriteUsage(usageSoFar?.Invoke());
        return chunk.Finish();
    }

    /// <summary>One choice, in the shape shared by the streamed and the non-streamed body.</summary>
    internal static void WriteChoice(Utf8JsonWriter json, int index, string text, FinishReason? finishReason, TextLogprobs? logprobs)
    {
        json.WriteStartObject();
        json.WriteString("text", text);
        json.WriteNumber("index", index);
        if (logprobs is null) json.WriteNull("logprobs");
        else logprobs.WritePending(json);
        json.WriteString("finish_reason", finishReason?.ToWire());
        json.WriteEndObject();
    }
}
