using System.Net;
using System.Text.Json;
using QwenMesh.Decode.Tests.Support;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Tests.Api;

/// <summary>POST /v1/responses end to end through a real decode service (random weights): output items, tools, formats, errors.</summary>
[Collection(DecodeServerCollection.Name)]
public sealed class ResponsesApiTests(DecodeServer server)
{
    static readonly RequestIdentity Tenant = new("acme", "key-1", 1, null);

    const string Weather = """{"type": "object", "properties": {"city": {"type": "string", "maxLength": 6}, "days": {"type": "integer", "minimum": 1, "maximum": 7}}, "required": ["city", "days"], "additionalProperties": false}""";

    async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string extra)
    {
        string body = $$"""{"model": "{{server.Model}}", "temperature": 0.8, "seed": 2, "thinking_token_budget": 4, {{extra}}}""";
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/responses", body, "r-" + Guid.NewGuid().ToString("N"), Tenant));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    static void AssertFits(string schema, string json) =>
        Assert.True(global::Json.Schema.JsonSchema.FromText(schema).Evaluate(JsonDocument.Parse(json).RootElement).IsValid, json);

    [Fact]
    public async Task A_string_input_gets_a_message_item_and_usage_in_responses_names()
    {
        var (status, body) = await PostAsync(""" "instructions": "Be brief.", "input": "hello", "max_output_tokens": 5""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("resp_", body.GetProperty("id").GetString());
        Assert.Equal("response", body.GetProperty("object").GetString());
        Assert.Equal("incomplete", body.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", body.GetProperty("incomplete_details").GetProperty("reason").GetString());
        JsonElement message = body.GetProperty("output").EnumerateArray().Single(i => i.GetProperty("type").GetString() == "message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("output_text", message.GetProperty("content")[0].GetProperty("type").GetString());
        JsonElement usage = body.GetProperty("usage");
        Assert.Equal(5, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32() + 5, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(5, body.GetProperty("max_output_tokens").GetInt32());
    }

    [Fact]
    public async Task A_required_function_call_is_an_output_item_and_its_result_goes_back_as_input()
    {
        string tools = $$$""" "tools": [{"type": "function", "name": "get_weather", "parameters": {{{Weather}}}}]""";
        var (status, body) = await PostAsync(tools + """, "input": "Weather?", "tool_choice": "required", "max_output_tokens": 200""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("completed", body.GetProperty("status").GetString());
        JsonElement call = body.GetProperty("output").EnumerateArray().Single(i => i.GetProperty("type").GetString() == "function_call");
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.StartsWith("call_", call.GetProperty("call_id").GetString());
        AssertFits(Weather, call.GetProperty("arguments").GetString()!);
        Assert.Equal("get_weather", body.GetProperty("tools")[0].GetProperty("name").GetString());

        string callId = call.GetProperty("call_id").GetString()!;
        string arguments = JsonSerializer.Serialize(call.GetProperty("arguments").GetString());
        string followUp = ", \"input\": [{\"role\": \"user\", \"content\": [{\"type\": \"input_text\", \"text\": \"Weather?\"}]},"
            + $" {{\"type\": \"function_call\", \"call_id\": \"{callId}\", \"name\": \"get_weather\", \"arguments\": {arguments}}},"
            + $" {{\"type\": \"function_call_output\", \"call_id\": \"{callId}\", \"output\": \"{{\\\"temp\\\": 3}}\"}}], \"max_output_tokens\": 3";
        var (again, answer) = await PostAsync(tools + followUp);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Contains(answer.GetProperty("output").EnumerateArray(), i => i.GetProperty("type").GetString() is "message" or "function_call");
    }

    [Fact]
    public async Task A_json_schema_text_format_constrains_the_output_text()
    {
        var (status, body) = await PostAsync($$$""" "input": "Weather?", "max_output_tokens": 200, "text": {"format": {"type": "json_schema", "name": "w", "strict": true, "schema": {{{Weather}}}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement message = body.GetProperty("output").EnumerateArray().Single(i => i.GetProperty("type").GetString() == "message");
        AssertFits(Weather, message.GetProperty("content")[0].GetProperty("text").GetString()!);
    }

    [Theory]
    [InlineData(""" "input": "x", "previous_response_id": "resp_1" """, "previous_response_id")]
    [InlineData(""" "instructions": "x" """, "input")]
    [InlineData(""" "input": 5""", "input")]
    [InlineData(""" "input": [{"type": "file_search_call"}]""", "input[0].type")]
    [InlineData(""" "input": [{"role": "robot", "content": "x"}]""", "input[0].role")]
    [InlineData(""" "input": "x", "tools": [{"type": "web_search"}]""", "tools[0].type")]
    public async Task What_is_not_served_is_a_400_naming_the_field(string extra, string param)
    {
        var (status, body) = await PostAsync(extra);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, body.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_streamed_answer_is_openais_named_events_and_the_completed_response_names_the_same_items()
    {
        string tools = $$$""" "tools": [{"type": "function", "name": "get_weather", "parameters": {{{Weather}}}}]""";
        string body = $$"""{"model": "{{server.Model}}", "temperature": 0.8, "seed": 3, "thinking_token_budget": 4, "stream": true, "input": "Weather?", "tool_choice": "required", "max_output_tokens": 200, {{tools}}}""";
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/responses", body, "r-" + Guid.NewGuid().ToString("N"), Tenant));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<(string Name, JsonElement Data)>();
        string? name = null;
        foreach (string line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add((name!, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()));
        }
        Assert.All(events, e => Assert.Equal(e.Name, e.Data.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        Assert.Equal("response.created", events[0].Name);
        Assert.Equal("response.in_progress", events[1].Name);
        Assert.Equal("response.completed", events[^1].Name);

        JsonElement final = events[^1].Data.GetProperty("response");
        JsonElement call = final.GetProperty("output").EnumerateArray().Single(i => i.GetProperty("type").GetString() == "function_call");
        string itemId = call.GetProperty("id").GetString()!;
        string streamedArguments = string.Concat(events.Where(e => e.Name == "response.function_call_arguments.delta" && e.Data.GetProperty("item_id").GetString() == itemId)
            .Select(e => e.Data.GetProperty("delta").GetString()));
        Assert.Equal(call.GetProperty("arguments").GetString(), streamedArguments);
        AssertFits(Weather, streamedArguments);
        Assert.Contains(events, e => e.Name == "response.output_item.added" && e.Data.GetProperty("item").GetProperty("id").GetString() == itemId);
        Assert.Contains(events, e => e.Name == "response.output_item.done" && e.Data.GetProperty("item").GetProperty("id").GetString() == itemId);
        Assert.True(final.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
    }
}
