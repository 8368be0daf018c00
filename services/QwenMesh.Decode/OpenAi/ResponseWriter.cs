using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// Writes one response object in OpenAI's field order: the envelope (id, object, created, model) first, then
/// whatever the caller adds, closed by <see cref="Finish"/>.
/// </summary>
internal sealed class ResponseWriter : IDisposable
{
    /// <summary>
    /// Non-ASCII text and &lt; &gt; &amp; stay as they are (as OpenAI and vLLM send them): the bodies are JSON or
    /// event streams, never embedded in HTML, so the default encoder's HTML-safe escaping would only bloat model text.
    /// </summary>
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly ArrayBufferWriter<byte> _buffer = new(256);

    public ResponseWriter(string id, string objectName, long created, string model)
    {
        Json = new Utf8JsonWriter(_buffer, Options);
        Json.WriteStartObject();
        Json.WriteString("id", id);
        Json.WriteString("object", objectName);
        Json.WriteNumber("created", created);
        Json.WriteString("model", model);
    }

    public Utf8JsonWriter Json { get; }

    /// <summary>Writes "usage" as an object, or as null (every chunk but the last when the client asked for usage).</summary>
    public void WriteUsage(Usage? usage)
    {
        if (usage is null)
        {
            Json.WriteNull("usage");
        }
        else
        {
            usage.WriteTo(Json);
        }
    }

    /// <summary>The final chunk of a stream that reports usage: an empty choices array and the usage object.</summary>
    public static byte[] UsageChunk(string id, string objectName, long created, string model, Usage usage)
    {
        using var chunk = new ResponseWriter(id, objectName, created, model);
        chunk.Json.WriteStartArray("choices");
        chunk.Json.WriteEndArray();
        chunk.WriteUsage(usage);
        return chunk.Finish();
    }

    public byte[] Finish()
    {
        Json.WriteEndObject();
        Json.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    public void Dispose() => Json.Dispose();
}
