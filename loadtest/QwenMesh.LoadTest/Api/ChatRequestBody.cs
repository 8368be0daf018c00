using System.Text.Json;

namespace QwenMesh.LoadTest.Api;

/// <summary>Writes the JSON body of a streaming POST /v1/chat/completions.</summary>
public static class ChatRequestBody
{
    public static byte[] Write(string model, IReadOnlyList<ChatMessage> messages, int maxTokens, double temperature)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("messages");
            foreach (ChatMessage message in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role);
                json.WriteString("content", message.Content);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("max_tokens", maxTokens);
            json.WriteNumber("temperature", temperature);
            json.WriteBoolean("stream", true);
            // Usage is the only exact token count a streaming client gets, and it carries cached_tokens.
            json.WriteStartObject("stream_options");
            json.WriteBoolean("include_usage", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
