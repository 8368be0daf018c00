using System.Buffers;
using System.Text;
using System.Text.Json;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Api;

/// <summary>
/// A streamed Responses API answer as OpenAI's named events, numbered in order: <c>response.created</c> and
/// <c>response.in_progress</c>; for each output item <c>response.output_item.added</c>, its deltas
/// (<c>response.reasoning_text.delta</c>, <c>response.content_part.added</c> + <c>response.output_text.delta</c>,
/// <c>response.function_call_arguments.delta</c>), their <c>.done</c> events and <c>response.output_item.done</c>;
/// then <c>response.completed</c> (or <c>response.incomplete</c>) with the whole response, whose item ids are the
/// ones the events named.
/// </summary>
public sealed class ResponsesEventStream(SseResponse sse, string id, long createdAt, string model, ResponsesRequest request) : IChoiceStream
{
    enum Item
    {
        None,
        Reasoning,
        Message,
        Call,
    }

    readonly string _reasoningId = CompletionIds.NewResponsesId("rs");
    readonly string _messageId = CompletionIds.NewResponsesId("msg");
    readonly List<(string ItemId, string CallId, string Name, StringBuilder Arguments)> _calls = [];
    readonly StringBuilder _reasoning = new();
    readonly StringBuilder _content = new();
    Item _open = Item.None;
    int _outputIndex = -1;
    int _sequence;
    ChatChoiceResult? _result;

    ResponsesResponse Response(ChatChoiceResult choice, OpenAi.Usage usage) =>
        new(id, createdAt, model, choice, usage, request, new ResponsesItemIds(_reasoningId, _messageId, _calls.Select(c => c.ItemId).ToList()));

    public async Task StartAsync()
    {
        ResponsesResponse shell = Response(new ChatChoiceResult(null, null, FinishReason.Stop, [], null, 0, 0), new OpenAi.Usage(0, 0));
        await EventAsync("response.created", json => Write(json, "response", w => shell.Write(w, inProgress: true)));
        await EventAsync("response.in_progress", json => Write(json, "response", w => shell.Write(w, inProgress: true)));
    }

    public async Task ReasoningAsync(string text)
    {
        if (_open != Item.Reasoning)
        {
            await CloseAsync();
            await OpenAsync(Item.Reasoning, w => ResponsesResponse.WriteReasoning(w, _reasoningId, null));
        }
        _reasoning.Append(text);
        await EventAsync("response.reasoning_text.delta", json => Delta(json, _reasoningId, text));
    }

    public async Task ContentAsync(string text)
    {
        if (_open != Item.Message)
        {
            await CloseAsync();
            await OpenAsync(Item.Message, w => ResponsesResponse.WriteMessage(w, _messageId, "in_progress", null));
            await EventAsync("response.content_part.added", json =>
            {
                Place(json, _messageId);
                json.WriteNumber("content_index", 0);
                Write(json, "part", w => ResponsesResponse.WriteTextPart(w, ""));
            });
        }
        _content.Append(text);
        await EventAsync("response.output_text.delta", json =>
        {
            Delta(json, _messageId, text);
            json.WriteStartArray("logprobs");
            json.WriteEndArray();
        });
    }

    public async Task ToolCallAsync(ToolCallDelta call)
    {
        if (call.Id is not null)
        {
            await CloseAsync();
            _calls.Add((CompletionIds.NewResponsesId("fc"), call.Id, call.Name!, new StringBuilder()));
            var (itemId, callId, name, _) = _calls[^1];
            await OpenAsync(Item.Call, w => ResponsesResponse.WriteCall(w, itemId, callId, name, "", "in_progress"));
        }
        if (call.Arguments.Length == 0) return;
        _calls[^1].Arguments.Append(call.Arguments);
        await EventAsync("response.function_call_arguments.delta", json =>
        {
            Place(json, _calls[^1].ItemId);
            json.WriteString("delta", call.Arguments);
        });
    }

    public async Task FinishAsync(ChatChoiceResult result)
    {
        await CloseAsync();
        _result = result;
    }

    /// <summary>The last event: the whole response with its usage (after the usage is in the ledger).</summary>
    public async Task CompleteAsync(OpenAi.Usage usage)
    {
        ChatChoiceResult finished = _result ?? throw new InvalidOperationException("the choice has not finished");
        var whole = finished with
        {
            Content = _calls.Count > 0 && string.IsNullOrWhiteSpace(_content.ToString()) ? null : _content.ToString(),
            ReasoningContent = _reasoning.Length > 0 ? _reasoning.ToString() : null,
            ToolCalls = _calls.Select(c => (c.CallId, c.Name, c.Arguments.ToString())).ToList(),
        };
        ResponsesResponse response = Response(whole, usage);
        string type = whole.FinishReason == FinishReason.Length ? "response.incomplete" : "response.completed";
        await EventAsync(type, json => Write(json, "response", w => response.Write(w)));
    }

    async Task OpenAsync(Item item, Action<Utf8JsonWriter> writeItem)
    {
        _open = item;
        _outputIndex++;
        await EventAsync("response.output_item.added", json =>
        {
            json.WriteNumber("output_index", _outputIndex);
            Write(json, "item", writeItem);
        });
    }

    async Task CloseAsync()
    {
        switch (_open)
        {
            case Item.Reasoning:
                await EventAsync("response.reasoning_text.done", json =>
                {
                    Place(json, _reasoningId);
                    json.WriteNumber("content_index", 0);
                    json.WriteString("text", _reasoning.ToString());
                });
                await ItemDoneAsync(w => ResponsesResponse.WriteReasoning(w, _reasoningId, _reasoning.ToString()));
                break;
            case Item.Message:
                string text = _content.ToString();
                await EventAsync("response.output_text.done", json =>
                {
                    Place(json, _messageId);
                    json.WriteNumber("content_index", 0);
                    json.WriteString("text", text);
                    json.WriteStartArray("logprobs");
                    json.WriteEndArray();
                });
                await EventAsync("response.content_part.done", json =>
                {
                    Place(json, _messageId);
                    json.WriteNumber("content_index", 0);
                    Write(json, "part", w => ResponsesResponse.WriteTextPart(w, text));
                });
                await ItemDoneAsync(w => ResponsesResponse.WriteMessage(w, _messageId, "completed", text));
                break;
            case Item.Call:
                var (itemId, callId, name, arguments) = _calls[^1];
                await EventAsync("response.function_call_arguments.done", json =>
                {
                    Place(json, itemId);
                    json.WriteString("arguments", arguments.ToString());
                });
                await ItemDoneAsync(w => ResponsesResponse.WriteCall(w, itemId, callId, name, arguments.ToString(), "completed"));
                break;
        }
        _open = Item.None;
    }

    Task ItemDoneAsync(Action<Utf8JsonWriter> writeItem) => EventAsync("response.output_item.done", json =>
    {
        json.WriteNumber("output_index", _outputIndex);
        Write(json, "item", writeItem);
    });

    void Place(Utf8JsonWriter json, string itemId)
    {
        json.WriteString("item_id", itemId);
        json.WriteNumber("output_index", _outputIndex);
    }

    void Delta(Utf8JsonWriter json, string itemId, string delta)
    {
        Place(json, itemId);
        json.WriteNumber("content_index", 0);
        json.WriteString("delta", delta);
    }

    static void Write(Utf8JsonWriter json, string name, Action<Utf8JsonWriter> value)
    {
        json.WritePropertyName(name);
        value(json);
    }

    Task EventAsync(string type, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, ResponseWriter.Options))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteNumber("sequence_number", _sequence++);
            body(json);
            json.WriteEndObject();
        }
        return sse.SendAsync(buffer.WrittenSpan.ToArray(), type);
    }
}
