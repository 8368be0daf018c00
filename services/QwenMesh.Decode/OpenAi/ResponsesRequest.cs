using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// A POST /v1/responses body (OpenAI's Responses API, stateless subset), validated in its own terms and translated
/// into the chat request it means: <c>instructions</c> and <c>input</c> (a string, or message, function_call and
/// function_call_output items) become messages, function tools become chat tools, <c>text.format</c> becomes
/// response_format, <c>max_output_tokens</c> the completion limit, <c>reasoning.effort</c> the template's
/// reasoning_effort; <c>stream</c> streams Responses events. What needs server-side state (<c>previous_response_id</c>, <c>store: true</c> retrieval) is not
/// kept here and is refused or ignored as noted.
/// </summary>
public sealed record ResponsesRequest(ChatCompletionRequest Chat, JsonArray Tools, JsonNode ToolChoice, bool ParallelToolCalls)
{
    public static ResponsesRequest Parse(ReadOnlySpan<byte> json)
    {
        using var document = RequestJson.ParseObject(json);
        JsonElement root = document.RootElement;
        string model = RequestJson.RequiredNonEmptyString(root, "model");
        if (RequestJson.TryGetValue(root, "previous_response_id", out _))
        {
            throw RequestErrors.UnsupportedValue("previous_response_id",
                "This server keeps no responses: send the conversation in 'input' (or continue it with x-session-id).");
        }
        // store and metadata are accepted for compatibility; nothing is stored.
        RequestJson.OptionalBool(root, "store");

        var chat = new JsonObject { ["model"] = model };
        var messages = new JsonArray();
        if (RequestJson.OptionalString(root, "instructions") is { } instructions) messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        if (!RequestJson.TryGetValue(root, "input", out JsonElement input)) throw RequestErrors.Missing("input");
        if (input.ValueKind == JsonValueKind.String) messages.Add(new JsonObject { ["role"] = "user", ["content"] = input.GetString() });
        else if (input.ValueKind == JsonValueKind.Array) AddItems(input, messages);
        else throw RequestErrors.WrongType("input", "a string or an array of items", input);
        chat["messages"] = messages;

        var tools = new JsonArray();
        if (RequestJson.TryGetValue(root, "tools", out JsonElement given))
        {
            RequestJson.AsArray(given, "tools");
            int i = 0;
            foreach (JsonElement tool in given.EnumerateArray())
            {
                string param = $"tools[{i++}]";
                RequestJson.AsObject(tool, param);
                string type = RequestJson.RequiredString(tool, "type", param);
                if (type != "function") throw RequestErrors.UnsupportedValue(RequestJson.Path(param, "type"), $"Only function tools are served (got '{type}').");
                var function = new JsonObject { ["name"] = RequestJson.RequiredString(tool, "name", param) };
                if (RequestJson.OptionalString(tool, "description", param) is { } description) function["description"] = description;
                if (RequestJson.TryGetValue(tool, "parameters", out JsonElement parameters)) function["parameters"] = JsonNode.Parse(parameters.GetRawText());
                tools.Add(new JsonObject { ["type"] = "function", ["function"] = function });
            }
            if (tools.Count > 0) chat["tools"] = tools.DeepClone();
        }
        JsonNode toolChoice = "auto";
        if (RequestJson.TryGetValue(root, "tool_choice", out JsonElement choice))
        {
            toolChoice = JsonNode.Parse(choice.GetRawText())!;
            // Responses names a forced function at the top level: {"type": "function", "name": "f"}.
            chat["tool_choice"] = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("name", out JsonElement name)
                ? new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name.GetString() } }
                : toolChoice.DeepClone();
        }
        bool parallel = RequestJson.OptionalBool(root, "parallel_tool_calls") ?? true;
        chat["parallel_tool_calls"] = parallel;
        foreach (string field in new[] { "stream", "temperature", "top_p", "top_k", "seed", "user", "min_p", "presence_penalty", "frequency_penalty", "repetition_penalty", "thinking_token_budget", "chat_template_kwargs" })
        {
            if (root.TryGetProperty(field, out JsonElement value)) chat[field] = JsonNode.Parse(value.GetRawText());
        }
        if (RequestJson.TryGetValue(root, "max_output_tokens", out JsonElement max)) chat["max_tokens"] = JsonNode.Parse(max.GetRawText());
        if (RequestJson.TryGetValue(root, "text", out JsonElement text) && RequestJson.TryGetValue(RequestJson.AsObject(text, "text"), "format", out JsonElement format))
        {
            chat["response_format"] = Format(format);
        }
        if (RequestJson.TryGetValue(root, "reasoning", out JsonElement reasoning)
            && RequestJson.OptionalString(RequestJson.AsObject(reasoning, "reasoning"), "effort", "reasoning") is { } effort)
        {
            var kwargs = chat["chat_template_kwargs"] as JsonObject ?? new JsonObject();
            kwargs["reasoning_effort"] = effort;
            chat["chat_template_kwargs"] = kwargs;
        }
        return new ResponsesRequest(ChatCompletionRequest.Parse(JsonSerializer.SerializeToUtf8Bytes(chat)), tools, toolChoice, parallel);
    }

    // Responses puts the schema beside the name: {"type": "json_schema", "name", "schema", "strict"}.
    static JsonNode Format(JsonElement format)
    {
        RequestJson.AsObject(format, "text.format");
        string type = RequestJson.RequiredString(format, "type", "text.format");
        if (type != "json_schema") return new JsonObject { ["type"] = type };
        var spec = new JsonObject();
        foreach (string field in new[] { "name", "schema", "strict", "description" })
        {
            if (format.TryGetProperty(field, out JsonElement value)) spec[field] = JsonNode.Parse(value.GetRawText());
        }
        return new JsonObject { ["type"] = "json_schema", ["json_schema"] = spec };
    }

    static void AddItems(JsonElement input, JsonArray messages)
    {
        int i = 0;
        foreach (JsonElement item in input.EnumerateArray())
        {
            string param = $"input[{i++}]";
            RequestJson.AsObject(item, param);
            string type = RequestJson.OptionalString(item, "type", param) ?? "message";
            switch (type)
            {
                case "message":
                    {
                        string role = RequestJson.RequiredString(item, "role", param);
                        if (role is not ("user" or "system" or "developer" or "assistant"))
                        {
                            throw RequestErrors.InvalidValue(RequestJson.Path(param, "role"), role, "'user', 'system', 'developer', 'assistant'");
                        }
                        if (!RequestJson.TryGetValue(item, "content", out JsonElement content)) throw RequestErrors.Missing(RequestJson.Path(param, "content"));
                        messages.Add(new JsonObject { ["role"] = role, ["content"] = Content(content, RequestJson.Path(param, "content")) });
                        break;
                    }
                case "function_call":
                    {
                        var call = new JsonObject
                        {
                            ["id"] = RequestJson.RequiredString(item, "call_id", param),
                            ["type"] = "function",
                            ["function"] = new JsonObject
                            {
                                ["name"] = RequestJson.RequiredString(item, "name", param),
                                ["arguments"] = RequestJson.RequiredString(item, "arguments", param),
                            },
                        };
                        // Consecutive calls are one assistant turn, as the model made them.
                        if (messages.Count > 0 && messages[^1] is JsonObject last && last["role"]?.GetValue<string>() == "assistant" && last["tool_calls"] is JsonArray calls)
                        {
                            calls.Add(call);
                        }
                        else
                        {
                            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(call) });
                        }
                        break;
                    }
                case "function_call_output":
                    messages.Add(new JsonObject
                    {
                        ["role"] = "tool",
                        ["tool_call_id"] = RequestJson.RequiredString(item, "call_id", param),
                        ["content"] = RequestJson.RequiredString(item, "output", param),
                    });
                    break;
                case "reasoning":
                    // The model's earlier reasoning: Qwen's templates drop it from past turns.
                    break;
                default:
                    throw RequestErrors.UnsupportedValue(RequestJson.Path(param, "type"), $"Input items of type '{type}' are not served.");
            }
        }
    }

    // input_text / output_text parts become text; images are the chat API's 400 (no vision encoder yet).
    static JsonNode Content(JsonElement content, string param)
    {
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        RequestJson.AsArray(content, param);
        var parts = new JsonArray();
        int i = 0;
        foreach (JsonElement part in content.EnumerateArray())
        {
            string partParam = $"{param}[{i++}]";
            RequestJson.AsObject(part, partParam);
            string type = RequestJson.RequiredString(part, "type", partParam);
            parts.Add(type switch
            {
                "input_text" or "output_text" => new JsonObject { ["type"] = "text", ["text"] = RequestJson.RequiredString(part, "text", partParam) },
                "input_image" => new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = RequestJson.OptionalString(part, "image_url", partParam) ?? "" } },
                _ => throw RequestErrors.UnsupportedValue(RequestJson.Path(partParam, "type"), $"Content parts of type '{type}' are not served."),
            });
        }
        return parts;
    }
}
