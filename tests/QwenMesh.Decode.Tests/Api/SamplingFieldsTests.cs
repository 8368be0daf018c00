using System.Net;
using System.Text.Json;
using QwenMesh.Decode.Tests.Support;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Tests.Api;

/// <summary>
/// The sampling and response fields past OpenAI's basics, end to end through a real decode service (byte-level
/// vocabulary: token 65 is "A", 66 is "B"): logit_bias, penalties, stop_token_ids, continuous usage, user.
/// </summary>
[Collection(DecodeServerCollection.Name)]
public sealed class SamplingFieldsTests(DecodeServer server)
{
    static readonly RequestIdentity Tenant = new("acme", "key-1", 1, null);

    string Completion(string extra, int maxTokens = 6, bool stream = false) =>
        $$"""{"model": "{{server.Model}}", "prompt": [11, 12, 13, 14], "max_tokens": {{maxTokens}}, "temperature": 0, "stream": {{(stream ? "true" : "false")}}, {{extra}}}""";

    async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string body, string? id = null)
    {
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post(path, body, id ?? "s-" + Guid.NewGuid().ToString("N"), Tenant));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task A_logit_bias_of_100_forces_its_token()
    {
        var (status, body) = await PostAsync("/v1/completions", Completion(""" "logit_bias": {"65": 100}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("AAAAAA", body.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_frequency_penalty_makes_the_favourite_give_way()
    {
        // A leads B by 3 (plus what the model says): unpenalised, A every time; each pick costs A 2, so B gets turns.
        const string Bias = """ "logit_bias": {"65": 60, "66": 57}""";
        var (_, plain) = await PostAsync("/v1/completions", Completion(Bias, maxTokens: 8));
        Assert.Equal("AAAAAAAA", plain.GetProperty("choices")[0].GetProperty("text").GetString());
        var (status, body) = await PostAsync("/v1/completions", Completion(Bias + """, "frequency_penalty": 2""", maxTokens: 8));
        Assert.Equal(HttpStatusCode.OK, status);
        string text = body.GetProperty("choices")[0].GetProperty("text").GetString()!;
        Assert.Matches("^A+B[AB]*$", text);
        Assert.True(text.Count(c => c == 'B') >= 2, text);
    }

    [Fact]
    public async Task A_stop_token_id_ends_the_output_and_is_not_shown()
    {
        var (status, body) = await PostAsync("/v1/completions", Completion(""" "logit_bias": {"65": 100}, "stop_token_ids": [65]"""));
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement choice = body.GetProperty("choices")[0];
        Assert.Equal("", choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(1, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Continuous_usage_puts_the_usage_so_far_in_every_chunk()
    {
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/completions",
            Completion(""" "logit_bias": {"65": 100}, "stream_options": {"include_usage": true, "continuous_usage_stats": true}""", stream: true),
            "s-" + Guid.NewGuid().ToString("N"), Tenant));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var counts = new List<int>();
        foreach (string line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            JsonElement usage = JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("usage");
            Assert.Equal(JsonValueKind.Object, usage.ValueKind);
            Assert.Equal(4, usage.GetProperty("prompt_tokens").GetInt32());
            counts.Add(usage.GetProperty("completion_tokens").GetInt32());
        }
        Assert.True(counts.Count >= 3, $"{counts.Count} chunks");
        Assert.Equal(counts.Order(), counts);
        Assert.Equal(6, counts[^1]);
    }

    [Fact]
    public async Task The_user_field_is_in_the_usage_event()
    {
        string id = "s-" + Guid.NewGuid().ToString("N");
        var (status, _) = await PostAsync("/v1/chat/completions",
            $$"""{"model": "{{server.Model}}", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "user": "end-user-42"}""", id);
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement usageEvent = Directory.EnumerateDirectories(server.Outbox).Prepend(server.Outbox)
            .SelectMany(Metering.Outbox.OutboxSegment.InOrder)
            .SelectMany(segment => Metering.Outbox.OutboxSegment.Records(segment))
            .Select(r => JsonDocument.Parse(r.Record).RootElement.Clone())
            .Single(e => e.GetProperty("id").GetString() == id);
        Assert.Equal("end-user-42", usageEvent.GetProperty("data").GetProperty("user").GetString());
    }

    [Theory]
    [InlineData(""" "logit_bias": {"abc": 1}""", "logit_bias")]
    [InlineData(""" "logit_bias": {"65": 101}""", "logit_bias")]
    [InlineData(""" "logit_bias": {"65": "1"}""", "logit_bias")]
    [InlineData(""" "logit_bias": {"99999": 1}""", "logit_bias")]
    [InlineData(""" "stop_token_ids": [-1]""", "stop_token_ids[0]")]
    [InlineData(""" "stop_token_ids": [1, 600]""", "stop_token_ids[1]")]
    [InlineData(""" "stop_token_ids": "1" """, "stop_token_ids")]
    [InlineData(""" "presence_penalty": 2.5""", "presence_penalty")]
    [InlineData(""" "frequency_penalty": -3""", "frequency_penalty")]
    [InlineData(""" "repetition_penalty": 0""", "repetition_penalty")]
    [InlineData(""" "min_p": 1.5""", "min_p")]
    [InlineData(""" "user": 5""", "user")]
    public async Task A_bad_value_is_a_400_naming_the_field(string extra, string param)
    {
        var (status, body) = await PostAsync("/v1/completions", Completion(extra));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, body.GetProperty("error").GetProperty("param").GetString());
    }
}

/// <summary>Chat logprobs in OpenAI's shape, streamed per chunk and whole in the body, the same either way.</summary>
[Collection(DecodeServerCollection.Name)]
public sealed class ChatLogprobsTests(DecodeServer server)
{
    static readonly RequestIdentity Tenant = new("acme", "key-1", 1, null);

    string Chat(string extra, bool stream) =>
        $$"""{"model": "{{server.Model}}", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, "temperature": 0, "logit_bias": {"65": 100}, "stream": {{(stream ? "true" : "false")}}, {{extra}}}""";

    async Task<(HttpStatusCode Status, string Body)> PostAsync(string body)
    {
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/chat/completions", body, "l-" + Guid.NewGuid().ToString("N"), Tenant));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    static void AssertEntry(JsonElement entry, int top)
    {
        Assert.Equal("A", entry.GetProperty("token").GetString());
        Assert.Equal([65], entry.GetProperty("bytes").EnumerateArray().Select(b => b.GetInt32()));
        double logprob = entry.GetProperty("logprob").GetDouble();
        Assert.True(logprob <= 0, $"{logprob}");
        var alternatives = entry.GetProperty("top_logprobs").EnumerateArray().ToList();
        Assert.Equal(top, alternatives.Count);
        var values = alternatives.Select(a => a.GetProperty("logprob").GetDouble()).ToList();
        Assert.Equal(values.OrderDescending(), values);
        // The logprobs are the model's, not the biased choice's: A is among the alternatives only at its own value.
        foreach (JsonElement a in alternatives.Where(a => a.GetProperty("token").GetString() == "A"))
        {
            Assert.Equal(logprob, a.GetProperty("logprob").GetDouble(), 5);
        }
    }

    [Fact]
    public async Task Each_token_has_its_logprob_and_top_alternatives_streamed_or_not()
    {
        var (status, body) = await PostAsync(Chat(""" "logprobs": true, "top_logprobs": 3""", stream: false));
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement choice = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0];
        Assert.Equal("AAAA", choice.GetProperty("message").GetProperty("content").GetString());
        var whole = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(4, whole.Count);
        foreach (JsonElement entry in whole) AssertEntry(entry, 3);

        var (streamStatus, stream) = await PostAsync(Chat(""" "logprobs": true, "top_logprobs": 3""", stream: true));
        Assert.Equal(HttpStatusCode.OK, streamStatus);
        var streamed = stream.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement.GetProperty("choices")[0].GetProperty("logprobs"))
            .Where(l => l.ValueKind == JsonValueKind.Object)
            .SelectMany(l => l.GetProperty("content").EnumerateArray()).ToList();
        // The same tokens and alternatives, their logprobs equal up to the float noise of another batch shape.
        Assert.Equal(whole.Count, streamed.Count);
        for (int i = 0; i < whole.Count; i++)
        {
            Assert.Equal(whole[i].GetProperty("token").GetString(), streamed[i].GetProperty("token").GetString());
            Assert.Equal(whole[i].GetProperty("logprob").GetDouble(), streamed[i].GetProperty("logprob").GetDouble(), 1e-4);
            Assert.Equal(whole[i].GetProperty("top_logprobs").GetArrayLength(), streamed[i].GetProperty("top_logprobs").GetArrayLength());
        }
    }

    [Fact]
    public async Task Without_logprobs_the_field_is_null()
    {
        var (_, body) = await PostAsync(Chat(""" "logprobs": false""", stream: false));
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("logprobs").ValueKind);
    }

    [Theory]
    [InlineData(""" "top_logprobs": 2""", "top_logprobs")]
    [InlineData(""" "logprobs": true, "top_logprobs": 21""", "top_logprobs")]
    [InlineData(""" "logprobs": 1""", "logprobs")]
    public async Task Bad_logprobs_fields_are_400s(string extra, string param)
    {
        var (status, body) = await PostAsync(Chat(extra, stream: false));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("param").GetString());
    }
}

/// <summary>n choices from one prefill: the state copied to each, every choice its own sequence, stop and usage.</summary>
[Collection(DecodeServerCollection.Name)]
public sealed class ChoicesTests(DecodeServer server)
{
    static readonly RequestIdentity Tenant = new("acme", "key-1", 1, null);

    string Chat(string extra) =>
        $$"""{"model": "{{server.Model}}", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 6, {{extra}}}""";

    async Task<(HttpStatusCode Status, string Body)> PostAsync(string body)
    {
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/chat/completions", body, "n-" + Guid.NewGuid().ToString("N"), Tenant));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Greedy_choices_are_the_single_answer_n_times_and_usage_counts_each()
    {
        var (_, one) = await PostAsync(Chat(""" "temperature": 0"""));
        string single = JsonDocument.Parse(one).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var (status, body) = await PostAsync(Chat(""" "temperature": 0, "n": 3"""));
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement root = JsonDocument.Parse(body).RootElement;
        var choices = root.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal(single, c.GetProperty("message").GetProperty("content").GetString()));
        int perChoice = JsonDocument.Parse(one).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.Equal(3 * perChoice, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(JsonDocument.Parse(one).RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(),
            root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Seeded_choices_differ_from_each_other_and_repeat_exactly()
    {
        string body = Chat(""" "temperature": 1.5, "seed": 11, "n": 4""");
        var (_, first) = await PostAsync(body);
        var (_, again) = await PostAsync(body);
        string[] Answers(string json) => JsonDocument.Parse(json).RootElement.GetProperty("choices").EnumerateArray()
            .Select(c => c.GetProperty("message").GetProperty("content").GetString()!).ToArray();
        Assert.Equal(Answers(first), Answers(again));
        Assert.True(Answers(first).Distinct().Count() > 1, string.Join(" | ", Answers(first)));
    }

    [Fact]
    public async Task Streamed_choices_each_carry_their_index_role_content_and_finish()
    {
        var (status, body) = await PostAsync(Chat(""" "temperature": 0, "n": 2, "logit_bias": {"65": 100}, "stop": ["AAA"], "stream": true, "stream_options": {"include_usage": true}"""));
        Assert.Equal(HttpStatusCode.OK, status);
        var chunks = body.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement.Clone()).ToList();
        var byChoice = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).Select(c => c.GetProperty("choices")[0])
            .GroupBy(c => c.GetProperty("index").GetInt32()).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal([0, 1], byChoice.Keys.Order());
        foreach (var (_, parts) in byChoice)
        {
            Assert.Equal("assistant", parts[0].GetProperty("delta").GetProperty("role").GetString());
            string text = string.Concat(parts.Select(p => p.GetProperty("delta").TryGetProperty("content", out var c) ? c.GetString() : ""));
            Assert.Equal("", text); // "AAA" is the stop string: nothing before it
            Assert.Equal("stop", parts[^1].GetProperty("finish_reason").GetString());
        }
        JsonElement usage = chunks[^1].GetProperty("usage");
        Assert.Equal(6, usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task The_gateways_token_budget_is_shared_by_the_choices()
    {
        var (_, probe) = await PostAsync(Chat(""" "temperature": 0"""));
        int prompt = JsonDocument.Parse(probe).RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/chat/completions",
            Chat(""" "temperature": 0, "n": 3, "logit_bias": {"65": 100}"""), "n-" + Guid.NewGuid().ToString("N"),
            new RequestIdentity("acme", "key-1", 1, prompt + 7)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        // 7 tokens left after the prompt: 2 for each of the 3 choices.
        Assert.Equal(6, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.All(root.GetProperty("choices").EnumerateArray(), c => Assert.Equal("AA", c.GetProperty("message").GetProperty("content").GetString()));
    }
}

/// <summary>Text completions with n choices and legacy logprobs (tokens, token_logprobs, top_logprobs, text_offset).</summary>
[Collection(DecodeServerCollection.Name)]
public sealed class TextCompletionChoicesTests(DecodeServer server)
{
    static readonly RequestIdentity Tenant = new("acme", "key-1", 1, null);

    string Completion(string extra) =>
        $$"""{"model": "{{server.Model}}", "prompt": [11, 12, 13, 14], "max_tokens": 4, "temperature": 0, "logit_bias": {"65": 100}, {{extra}}}""";

    async Task<(HttpStatusCode Status, string Body)> PostAsync(string body)
    {
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/completions", body, "t-" + Guid.NewGuid().ToString("N"), Tenant));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Two_choices_with_logprobs_in_the_legacy_shape_streamed_or_not()
    {
        var (status, body) = await PostAsync(Completion(""" "n": 2, "logprobs": 2"""));
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement root = JsonDocument.Parse(body).RootElement;
        var choices = root.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(8, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        foreach (JsonElement choice in choices)
        {
            Assert.Equal("AAAA", choice.GetProperty("text").GetString());
            JsonElement logprobs = choice.GetProperty("logprobs");
            Assert.Equal(["A", "A", "A", "A"], logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
            Assert.All(logprobs.GetProperty("token_logprobs").EnumerateArray(), l => Assert.True(l.GetDouble() <= 0));
            Assert.All(logprobs.GetProperty("top_logprobs").EnumerateArray(), t => Assert.InRange(t.EnumerateObject().Count(), 1, 2));
            Assert.Equal([0, 1, 2, 3], logprobs.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()));
        }

        var (_, stream) = await PostAsync(Completion(""" "n": 2, "logprobs": 2, "stream": true"""));
        var streamed = stream.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement.GetProperty("choices")[0])
            .Where(c => c.GetProperty("logprobs").ValueKind == JsonValueKind.Object)
            .GroupBy(c => c.GetProperty("index").GetInt32())
            .ToDictionary(g => g.Key, g => g.SelectMany(c => c.GetProperty("logprobs").GetProperty("token_logprobs").EnumerateArray().Select(l => l.GetDouble())).ToList());
        // The same tokens with the same logprobs, up to the float noise of another batch shape.
        var whole = choices[0].GetProperty("logprobs").GetProperty("token_logprobs").EnumerateArray().Select(l => l.GetDouble()).ToList();
        Assert.Equal(whole.Count, streamed[0].Count);
        for (int i = 0; i < whole.Count; i++) Assert.Equal(whole[i], streamed[0][i], 1e-4);
        Assert.Equal(4, streamed[1].Count);
    }
}
