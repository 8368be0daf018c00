using System.Buffers;
using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>The GET /v1/models body: <c>{"object":"list","data":[{"id","object":"model","created","owned_by"}]}</c>.</summary>
public static class ModelList
{
    /// <summary>The owner OpenAI's schema asks for; every model here is served by this platform.</summary>
    public const string Owner = "qwenmesh";

    /// <summary>The response body as UTF-8 JSON.</summary>
    public static byte[] ToJson(IEnumerable<ModelCard> models)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, ResponseWriter.Options))
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            foreach (var model in models)
            {
                json.WriteStartObject();
                json.WriteString("id", model.Id);
                json.WriteString("object", "model");
                json.WriteNumber("created", model.Created);
                json.WriteString("owned_by", Owner);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
