using System.Text.Json;
using System.Diagnostics;

namespace QwenMesh.Mesh.Tests;

/// <summary>
/// The official `openai` JavaScript client (npm, fetched at test time) streams a chat through the secured gateway with
/// an API key: what a user's application does. Its wrong-key error is the typed AuthenticationError. Its structured
/// outputs helper (`chat.completions.parse` with a zod schema) gets a parsed object, a required tool call goes round
/// trip (call, tool result, answer), n=3 with logprobs comes back, and `responses.create` answers (whole and streamed),
/// from a model with random weights.
/// </summary>
[Collection(SecuredMeshCollection.Name)]
public sealed class OpenAiJsClientTests(SecuredMeshFixture mesh)
{
    /// <summary>The last 4.x release, which runs on the Node 18/20 that Debian and CI have.</summary>
    const string Package = "openai@4.95.0";

    /// <summary>The zod its helpers are written for.</summary>
    const string Zod = "zod@3.23.8";

    const string StructuredScript = """
        const OpenAI = require('openai');
        const { zodResponseFormat } = require('openai/helpers/zod');
        const { z } = require('zod');
        (async () => {
          const client = new OpenAI({ apiKey: process.env.KEY, baseURL: process.env.BASE + '/v1', maxRetries: 0 });
          const Weather = z.object({ city: z.string().min(1).max(8), days: z.number().int().min(1).max(7), unit: z.enum(['c', 'f']) });
          const parsed = await client.beta.chat.completions.parse({
            model: 'tiny', messages: [{ role: 'user', content: 'Weather in Oslo?' }], max_tokens: 120, temperature: 0.7, seed: 3,
            thinking_token_budget: 4, response_format: zodResponseFormat(Weather, 'weather') });
          const weather = parsed.choices[0].message.parsed;
          const tools = [{ type: 'function', function: { name: 'get_weather', parameters: {
            type: 'object', properties: { city: { type: 'string', maxLength: 8 }, days: { type: 'integer', minimum: 1, maximum: 7 } },
            required: ['city', 'days'], additionalProperties: false } } }];
          const asked = [{ role: 'user', content: 'Weather in Oslo?' }];
          const call = await client.chat.completions.create({
            model: 'tiny', messages: asked, tools, tool_choice: 'required', max_tokens: 120, temperature: 0.7, seed: 4, thinking_token_budget: 4 });
          const message = call.choices[0].message;
          const args = JSON.parse(message.tool_calls[0].function.arguments);
          const answer = await client.chat.completions.create({
            model: 'tiny', max_tokens: 4, temperature: 0, tools,
            messages: [...asked, message, { role: 'tool', tool_call_id: message.tool_calls[0].id, content: '{"temp": 3}' }] });
          const response = await client.responses.create({ model: 'tiny', input: 'Hello', instructions: 'Be brief.', max_output_tokens: 8, temperature: 0 });
          const three = await client.chat.completions.create({
            model: 'tiny', messages: asked, max_tokens: 4, temperature: 1, seed: 9, n: 3, logprobs: true, top_logprobs: 2 });
          const logprobs = three.choices.map(c => c.logprobs.content.map(t => ({ token: t.token, logprob: t.logprob, top: t.top_logprobs.length })));
          const events = await client.responses.create({ model: 'tiny', input: 'Hello', max_output_tokens: 8, temperature: 0, stream: true });
          let first = null, last = null, deltas = '';
          for await (const event of events) {
            first ??= event.type;
            last = event;
            if (event.type === 'response.output_text.delta') deltas += event.delta;
          }
          const streamedText = last.response.output.filter(i => i.type === 'message').map(i => i.content[0].text).join('');
          console.log(JSON.stringify({ weather, finish: call.choices[0].finish_reason, name: message.tool_calls[0].function.name, args,
            answered: answer.choices[0].finish_reason, responseStatus: response.status, outputText: response.output_text,
            outputTokens: response.usage.output_tokens, firstEvent: first, lastEvent: last.type, deltasMatch: deltas === streamedText,
            choices: three.choices.map(c => c.index), logprobs, threeTokens: three.usage.completion_tokens }));
        })().catch(e => { console.error(e); process.exit(1); });
        """;

    const string Script = """
        const OpenAI = require('openai');
        (async () => {
          const client = new OpenAI({ apiKey: process.env.KEY, baseURL: process.env.BASE + '/v1', maxRetries: 0 });
          const stream = await client.chat.completions.create({
            model: 'tiny', messages: [{ role: 'user', content: 'Hello, mesh' }], max_tokens: 6, temperature: 0,
            stream: true, stream_options: { include_usage: true } });
          let chunks = 0, usage = null;
          for await (const chunk of stream) { chunks++; if (chunk.usage) usage = chunk.usage; }
          let refused = null;
          try {
            await new OpenAI({ apiKey: 'qm-wrong', baseURL: process.env.BASE + '/v1', maxRetries: 0 }).models.list();
          } catch (e) { refused = { status: e.status, code: e.code, type: e.constructor.name }; }
          console.log(JSON.stringify({ chunks, usage, refused }));
        })().catch(e => { console.error(e); process.exit(1); });
        """;

    static string Install()
    {
        string dir = Path.Combine(Path.GetTempPath(), "qwenmesh-openai-js", Package.Replace('@', '-'));
        if (File.Exists(Path.Combine(dir, "node_modules", "openai", "package.json")) && File.Exists(Path.Combine(dir, "node_modules", "zod", "package.json"))) return dir;
        Directory.CreateDirectory(dir);
        var npm = Process.Start(new ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund", "--silent", "--prefix", dir, Package, Zod])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("npm is needed for this test (apt-get install -y npm)");
        string error = npm.StandardError.ReadToEnd();
        npm.WaitForExit();
        Assert.True(npm.ExitCode == 0, $"npm install {Package} failed: {error}");
        return dir;
    }

    // Runs a script with the client against the secured gateway; its last stdout line is JSON.
    async Task<System.Text.Json.JsonElement> RunAsync(string name, string source)
    {
        string dir = Install();
        var (_, key, _) = await mesh.TenantAsync("js-" + name);
        string script = Path.Combine(dir, name + ".js");
        await File.WriteAllTextAsync(script, source);
        var info = new ProcessStartInfo("node", [script]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        info.Environment["KEY"] = key;
        info.Environment["BASE"] = mesh.Gateway(1).ToString().TrimEnd('/');
        using var node = Process.Start(info)!;
        string output = await node.StandardOutput.ReadToEndAsync();
        string error = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, $"node failed: {error}");
        return System.Text.Json.JsonDocument.Parse(output.Trim().Split('\n').Last()).RootElement.Clone();
    }

    [Fact]
    public async Task The_official_openai_js_client_streams_through_the_gateway_with_an_api_key()
    {
        var result = await RunAsync("stream", Script);
        Assert.True(result.GetProperty("chunks").GetInt32() >= 2);
        Assert.True(result.GetProperty("usage").GetProperty("completion_tokens").GetInt32() is >= 1 and <= 6);
        var refused = result.GetProperty("refused");
        Assert.Equal(401, refused.GetProperty("status").GetInt32());
        Assert.Equal("invalid_api_key", refused.GetProperty("code").GetString());
        Assert.Equal("AuthenticationError", refused.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Its_structured_outputs_parse_and_a_required_tool_call_goes_round_trip()
    {
        var result = await RunAsync("structured", StructuredScript);
        var weather = result.GetProperty("weather");
        Assert.InRange(weather.GetProperty("city").GetString()!.EnumerateRunes().Count(), 1, 8);
        Assert.InRange(weather.GetProperty("days").GetInt32(), 1, 7);
        Assert.Contains(weather.GetProperty("unit").GetString(), new[] { "c", "f" });
        Assert.Equal("tool_calls", result.GetProperty("finish").GetString());
        Assert.Equal("get_weather", result.GetProperty("name").GetString());
        Assert.InRange(result.GetProperty("args").GetProperty("days").GetInt32(), 1, 7);
        Assert.True(result.GetProperty("args").GetProperty("city").GetString()!.EnumerateRunes().Count() <= 8);
        Assert.Contains(result.GetProperty("answered").GetString(), new[] { "stop", "length" });
        // The Responses API through the same client: its output_text helper reads our output items.
        Assert.Contains(result.GetProperty("responseStatus").GetString(), new[] { "completed", "incomplete" });
        Assert.Equal(JsonValueKind.String, result.GetProperty("outputText").ValueKind);
        Assert.InRange(result.GetProperty("outputTokens").GetInt32(), 1, 8);
        // Streamed: the client's event iterator reads our named events, and the deltas add up to the final text.
        Assert.Equal("response.created", result.GetProperty("firstEvent").GetString());
        Assert.Contains(result.GetProperty("lastEvent").GetString(), new[] { "response.completed", "response.incomplete" });
        Assert.True(result.GetProperty("deltasMatch").GetBoolean());
        // n=3 with logprobs: three choices, each token with its logprob and two alternatives.
        Assert.Equal([0, 1, 2], result.GetProperty("choices").EnumerateArray().Select(c => c.GetInt32()));
        var perChoice = result.GetProperty("logprobs").EnumerateArray().ToList();
        Assert.Equal(3, perChoice.Count);
        Assert.Equal(result.GetProperty("threeTokens").GetInt32(), perChoice.Sum(c => c.GetArrayLength()));
        Assert.All(perChoice.SelectMany(c => c.EnumerateArray()), t =>
        {
            Assert.True(t.GetProperty("logprob").GetDouble() <= 0);
            Assert.Equal(2, t.GetProperty("top").GetInt32());
        });
    }
}
