using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The body of a non-streamed Responses API call (object "response"): its output items in order (the reasoning, the
/// message, one function_call per tool call), status <c>completed</c> or <c>incomplete</c> (max_output_tokens), the
/// request's settings echoed as OpenAI echoes them, and usage in the Responses names.
/// </summary>
public sealed record ResponsesResponse(string Id, long CreatedAt, string Model, ChatChoiceResult Choice, Usage Usage, ResponsesRequest Request)
{
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, ResponseWriter.Options))
        {
            json.WriteStartObject();
            json.WriteString("id", Id);
            json.WriteString("object", "response");
            json.WriteNumber("created_at", CreatedAt);
            bool incomplete = Choice.FinishReason == FinishReason.Length;
            json.WriteString("status", incomplete ? "incomplete" : "completed");
            if (incomplete)
            {
                json.WriteStartObject("incomplete_details");
                json.WriteString("reason", "max_output_tokens");
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("incomplete_details");
            }
            json.WriteNull("error");
            json.WriteString("model", Model);
            json.WriteStartArray("output");
            WriteOutput(json, incomplete);
            json.WriteEndArray();
            json.WriteBoolean("parallel_tool_calls", Request.ParallelToolCalls);
            json.WritePropertyName("tool_choice");
            Request.ToolChoice.WriteTo(json);
            json.WritePropertyName("tools");
            ResponsesTools().WriteTo(json);
            GenerationOptions o = Request.Chat.Options;
            json.WriteNumber("temperature", o.Temperature);
            json.WriteNumber("top_p", o.TopP);
            if (Request.Chat.MaxTokens is { } max) json.WriteNumber("max_output_tokens", max);
            else json.WriteNull("max_output_tokens");
            json.WriteBoolean("store", false);
            json.WriteStartObject("usage");
            json.WriteNumber("input_tokens", Usage.PromptTokens);
            json.WriteStartObject("input_tokens_details");
            json.WriteNumber("cached_tokens", Usage.CachedTokens);
            json.WriteEndObject();
            json.WriteNumber("output_tokens", Usage.CompletionTokens);
            json.WriteStartObject("output_tokens_details");
            json.WriteNumber("reasoning_tokens", Choice.ReasoningTokens);
            json.WriteEndObject();
            json.WriteNumber("total_tokens", Usage.PromptTokens + Usage.CompletionTokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    void WriteOutput(Utf8JsonWriter json, bool incomplete)
    {
        string status = incomplete ? "incomplete" : "completed";
        if (!string.IsNullOrEmpty(Choice.ReasoningContent))
        {
            json.WriteStartObject();
            json.WriteString("type", "reasoning");
            json.WriteString("id", CompletionIds.NewResponsesId("rs"));
            json.WriteStartArray("summary");
            json.WriteEndArray();
            json.WriteStartArray("content");
            json.WriteStartObject();
            json.WriteString("type", "reasoning_text");
            json.WriteString("text", Choice.ReasoningContent);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        if (Choice.Content is { Length: > 0 } || Choice.ToolCalls.Count == 0)
        {
            json.WriteStartObject();
            json.WriteString("type", "message");
            json.WriteString("id", CompletionIds.NewResponsesId("msg"));
            json.WriteString("status", status);
            json.WriteString("role", "assistant");
            json.WriteStartArray("content");
            json.WriteStartObject();
            json.WriteString("type", "output_text");
            json.WriteString("text", Choice.Content ?? "");
            json.WriteStartArray("annotations");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        foreach (var (callId, name, arguments) in Choice.ToolCalls)
        {
            json.WriteStartObject();
            json.WriteString("type", "function_call");
            json.WriteString("id", CompletionIds.NewResponsesId("fc"));
            json.WriteString("call_id", callId);
            json.WriteString("name", name);
            json.WriteString("arguments", arguments);
            json.WriteString("status", status);
            json.WriteEndObject();
        }
    }

    // The tools as the Responses API names them: flat function tools.
    JsonArray ResponsesTools()
    {
        var tools = new JsonArray();
        foreach (JsonNode? tool in Request.Tools)
        {
            var function = (JsonObject)tool!["function"]!.DeepClone();
            function["type"] = "function";
            tools.Add(function);
        }
        return tools;
    }
}
