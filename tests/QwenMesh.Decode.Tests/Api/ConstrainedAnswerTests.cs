using System.Net;
using System.Text;
using System.Text.Json;
using QwenMesh.Decode.Tests.Support;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Tests.Api;

/// <summary>
/// Constrained answers end to end through a real decode service whose model has random weights: whatever the model
/// would say, a json_schema answer parses and fits its schema, and tool_choice "required" or a named function
/// yields a call to an allowed tool with schema-valid arguments, streamed as OpenAI streams tool calls.
/// </summary>
[Collection(DecodeServerCollection.Name)]
public sealed class ConstrainedAnswerTests(DecodeServer server, Xunit.Abstractions.ITestOutputHelper output)
{
    static readonly RequestIdentity Tenant = new("acme", "key-1", 1, null);

    const string Schema = """
        {"type": "object", "properties": {
           "city": {"type": "string", "minLength": 1, "maxLength": 8},
           "days": {"type": "integer", "minimum": 1, "maximum": 7},
           "unit": {"enum": ["c", "f"]},
           "tags": {"type": "array", "items": {"type": "boolean"}, "maxItems": 2}},
         "required": ["city", "days", "unit", "tags"], "additionalProperties": false}
        """;

    static readonly string Tools = $$$$"""
        [{"type": "function", "function": {"name": "get_weather", "parameters": {{{{Schema}}}}}},
         {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"type": "string", "maxLength": 4}}, "required": ["zone"]}}}]
        """;

    string Body(string extra, bool stream = false, int seed = 1) =>
        $$"""{"model": "{{server.Model}}", "messages": [{"role": "user", "content": "weather?"}], "max_tokens": 300, "temperature": 0.8, "seed": {{seed}}, "stream": {{(stream ? "true" : "false")}}, "thinking_token_budget": 4, {{extra}}}""";

    async Task<(HttpStatusCode Status, string Body)> PostAsync(string body)
    {
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/chat/completions", body, "c-" + Guid.NewGuid().ToString("N"), Tenant));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    void AssertFits(string schema, string json)
    {
        var validator = global::Json.Schema.JsonSchema.FromText(schema);
        output.WriteLine(json);
        using JsonDocument answer = JsonDocument.Parse(json);
        Assert.True(validator.Evaluate(answer.RootElement).IsValid, $"{json} does not fit {schema}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_json_schema_answer_parses_and_fits_its_schema(int seed)
    {
        var (status, body) = await PostAsync(Body($$$"""
            "response_format": {"type": "json_schema", "json_schema": {"name": "weather", "strict": true, "schema": {{{Schema}}}}}
            """, seed: seed));
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement choice = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        AssertFits(Schema, choice.GetProperty("message").GetProperty("content").GetString()!);
    }

    [Fact]
    public async Task A_required_tool_call_streams_as_openai_streams_calls_and_its_arguments_fit_the_tool()
    {
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/chat/completions",
            Body($$""" "tools": {{Tools}}, "tool_choice": "required", "parallel_tool_calls": false""", stream: true), "c-" + Guid.NewGuid().ToString("N"), Tenant));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string? id = null, name = null, finish = null;
        var arguments = new StringBuilder();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
            JsonElement choice = JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("choices")[0];
            if (choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String) finish = choice.GetProperty("finish_reason").GetString();
            if (!choice.GetProperty("delta").TryGetProperty("tool_calls", out JsonElement calls)) continue;
            JsonElement call = Assert.Single(calls.EnumerateArray());
            Assert.Equal(0, call.GetProperty("index").GetInt32());
            if (call.TryGetProperty("id", out JsonElement callId))
            {
                Assert.Null(id);
                id = callId.GetString();
                name = call.GetProperty("function").GetProperty("name").GetString();
            }
            if (call.GetProperty("function").TryGetProperty("arguments", out JsonElement part)) arguments.Append(part.GetString());
        }
        Assert.Equal("tool_calls", finish);
        Assert.StartsWith("call_", id);
        string schema = name switch
        {
            "get_weather" => Schema,
            "get_time" => """{"type": "object", "properties": {"zone": {"type": "string", "maxLength": 4}}, "required": ["zone"]}""",
            _ => throw new Xunit.Sdk.XunitException($"a call to a tool not offered: {name}"),
        };
        AssertFits(schema, arguments.ToString());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_named_function_is_the_one_called(int seed)
    {
        var (status, body) = await PostAsync(Body($$$"""
            "tools": {{{Tools}}}, "tool_choice": {"type": "function", "function": {"name": "get_time"}}
            """, seed: seed));
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement choice = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        JsonElement call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("get_time", call.GetProperty("function").GetProperty("name").GetString());
        AssertFits("""{"type": "object", "properties": {"zone": {"type": "string", "maxLength": 4}}, "required": ["zone"]}""",
            call.GetProperty("function").GetProperty("arguments").GetString()!);
    }

    [Fact]
    public async Task A_json_object_answer_is_an_object()
    {
        var (status, body) = await PostAsync(Body(""" "response_format": {"type": "json_object"}, "max_tokens": 400""".Replace("\"max_tokens\": 300, ", "")));
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement choice = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0];
        string content = choice.GetProperty("message").GetProperty("content").GetString()!;
        output.WriteLine(body);
        Assert.StartsWith("{", content);
        if (choice.GetProperty("finish_reason").GetString() == "stop")
        {
            Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(content).RootElement.ValueKind);
        }
    }

    [Theory]
    [InlineData("""{"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "string", "pattern": "^a"}}}""", "response_format.json_schema.schema.pattern")]
    [InlineData("""{"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "properties": {"a": {"type": "wat"}}}}}""", "response_format.json_schema.schema.properties.a.type")]
    [InlineData("""{"type": "json_schema", "json_schema": {"schema": {}}}""", "response_format.json_schema.name")]
    [InlineData("""{"type": "json_schema"}""", "response_format.json_schema")]
    [InlineData("""{"type": "yaml"}""", "response_format.type")]
    [InlineData("\"json\"", "response_format")]
    public async Task A_format_the_server_cannot_enforce_is_a_400_naming_the_field(string format, string param)
    {
        var (status, body) = await PostAsync(Body($""" "response_format": {format}"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_tool_whose_parameters_cannot_be_enforced_is_a_400_naming_it_when_a_call_is_required()
    {
        var (status, body) = await PostAsync(Body("""
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string", "pattern": "x"}}}}}],
            "tool_choice": "required"
            """));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("tools[0].function.parameters.properties.a.pattern", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_negative_thinking_budget_is_a_400()
    {
        var (status, body) = await PostAsync(Body(""" "response_format": {"type": "json_object"}""").Replace("\"thinking_token_budget\": 4", "\"thinking_token_budget\": -1"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("thinking_token_budget", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("param").GetString());
    }
}
