using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The body of a non-streamed Responses API call (object "response"): its output items in order (the reasoning, the
/// message, one function_call per tool call), status <c>completed</c> or <c>incomplete</c> (max_output_tokens), the
/// request's settings echoed as OpenAI echoes them, and usage in the Responses names.
/// </summary>
public sealed record ResponsesResponse(string Id, long CreatedAt, string Model, ChatChoiceResult Choice, Usage Usage, ResponsesRequest Request,
    ResponsesItemIds Ids)
{
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, ResponseWriter.Options)) Write(json);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The response object; <paramref name="inProgress"/> writes it as a stream's first events carry it: no output, no usage yet.</summary>
    public void Write(Utf8JsonWriter json, bool inProgress = false)
    {
        json.WriteStartObject();
        json.WriteString("id", Id);
        json.WriteString("object", "response");
        json.WriteNumber("created_at", CreatedAt);
        bool incomplete = !inProgress && Choice.FinishReason == FinishReason.Length;
        json.WriteString("status", inProgress ? "in_progress" : incomplete ? "incomplete" : "completed");
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
        if (!inProgress) WriteOutput(json, incomplete);
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
        if (inProgress)
        {
            json.WriteNull("usage");
            json.WriteEndObject();
            return;
        }
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

    void WriteOutput(Utf8JsonWriter json, bool incomplete)
    {
        string status = incomplete ? "incomplete" : "completed";
        if (!string.IsNullOrEmpty(Choice.ReasoningContent)) WriteReasoning(json, Ids.Reasoning, Choice.ReasoningContent);
        if (Choice.Content is { Length: > 0 } || Choice.ToolCalls.Count == 0) WriteMessage(json, Ids.Message, status, Choice.Content ?? "");
        for (int i = 0; i < Choice.ToolCalls.Count; i++)
        {
            var (callId, name, arguments) = Choice.ToolCalls[i];
            WriteCall(json, Ids.Calls[i], callId, name, arguments, status);
        }
    }

    /// <summary>A reasoning output item (<paramref name="text"/> null: as a stream announces it, before its text).</summary>
    public static void WriteReasoning(Utf8JsonWriter json, string id, string? text)
    {
        json.WriteStartObject();
        json.WriteString("type", "reasoning");
        json.WriteString("id", id);
        json.WriteStartArray("summary");
        json.WriteEndArray();
        json.WriteStartArray("content");
        if (text is not null)
        {
            json.WriteStartObject();
            json.WriteString("type", "reasoning_text");
            json.WriteString("text", text);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>A message output item with one output_text part (<paramref name="text"/> null: no part yet).</summary>
    public static void WriteMessage(Utf8JsonWriter json, string id, string status, string? text)
    {
        json.WriteStartObject();
        json.WriteString("type", "message");
        json.WriteString("id", id);
        json.WriteString("status", status);
        json.WriteString("role", "assistant");
        json.WriteStartArray("content");
        if (text is not null) WriteTextPart(json, text);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>An output_text content part.</summary>
    public static void WriteTextPart(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString("type", "output_text");
        json.WriteString("text", text);
        json.WriteStartArray("annotations");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>A function_call output item.</summary>
    public static void WriteCall(Utf8JsonWriter json, string id, string callId, string name, string arguments, string status)
    {
        json.WriteStartObject();
        json.WriteString("type", "function_call");
        json.WriteString("id", id);
        json.WriteString("call_id", callId);
        json.WriteString("name", name);
        json.WriteString("arguments", arguments);
        json.WriteString("status", status);
        json.WriteEndObject();
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

/// <summary>The ids of a response's output items (a stream names them in its events before the response is whole).</summary>
public sealed record ResponsesItemIds(string Reasoning, string Message, IReadOnlyList<string> Calls)
{
    public static ResponsesItemIds New(int calls) => new(CompletionIds.NewResponsesId("rs"), CompletionIds.NewResponsesId("msg"),
        Enumerable.Range(0, calls).Select(_ => CompletionIds.NewResponsesId("fc")).ToList());
}
