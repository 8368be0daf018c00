using System.Net;
using System.Text.Json;
using QwenMesh.Decode.Tests.Support;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Tests.Ledger;

/// <summary>End to end through a real decode service: identity, token budget, the prompt-size header and the usage ledger.</summary>
[Collection(DecodeServerCollection.Name)]
public sealed class RequestUsageTests(DecodeServer server)
{
    static readonly int[] Prompt = [11, 12, 13, 14, 15, 16, 17, 18];

    static string Id() => "t-" + Guid.NewGuid().ToString("N");

    static RequestIdentity Tenant(long? budget = null) => new("acme", "key-1", 1, budget);

    string Completion(int maxTokens, bool stream = false, int[]? prompt = null)
    {
        var body = new Dictionary<string, object> { ["model"] = server.Model, ["prompt"] = prompt ?? Prompt, ["max_tokens"] = maxTokens, ["temperature"] = 0, ["stream"] = stream };
        if (stream) body["stream_options"] = new { include_usage = true };
        return JsonSerializer.Serialize(body);
    }

    string Chat(int maxTokens) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["model"] = server.Model, ["messages"] = new[] { new { role = "user", content = "hello" } }, ["max_tokens"] = maxTokens,
        ["temperature"] = 0, ["stream"] = true, ["stream_options"] = new { include_usage = true },
    });

    static void AssertEntryIs(JsonElement usage, JsonElement entry, string status)
    {
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), entry.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt32(), entry.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32(), entry.GetProperty("cached_tokens").GetInt32());
        Assert.Equal(status, entry.GetProperty("status").GetString());
    }

    static async Task<List<JsonElement>> EventsAsync(HttpResponseMessage response)
    {
        var events = new List<JsonElement>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
            events.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
        }
        return events;
    }

    [Fact]
    public async Task A_finished_completion_is_in_the_ledger_with_the_usage_it_was_told_and_names_its_prompt_size()
    {
        string id = Id();
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/completions", Completion(5), id, Tenant()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Prompt.Length.ToString(), Assert.Single(response.Headers.GetValues("x-qwenmesh-prompt-tokens")));
        JsonElement usage = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");

        // Asked with no wait at all: a client holding the whole response finds the entry already there.
        var (status, entry) = await server.UsageAsync(id, waitMs: 0);
        Assert.Equal(HttpStatusCode.OK, status);
        AssertEntryIs(usage, entry, "finished");
        Assert.Equal(5, entry.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task A_finished_stream_is_in_the_ledger_before_its_last_byte_and_sends_the_prompt_size_before_its_first()
    {
        string id = Id();
        using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/chat/completions", Chat(4), id, Tenant()),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        int promptTokens = int.Parse(Assert.Single(response.Headers.GetValues("x-qwenmesh-prompt-tokens")));
        List<JsonElement> events = await EventsAsync(response);
        JsonElement usage = events.Last(e => e.TryGetProperty("usage", out JsonElement u) && u.ValueKind == JsonValueKind.Object).GetProperty("usage");
        Assert.Equal(promptTokens, usage.GetProperty("prompt_tokens").GetInt32());

        var (status, entry) = await server.UsageAsync(id, waitMs: 0);
        Assert.Equal(HttpStatusCode.OK, status);
        AssertEntryIs(usage, entry, "finished");
    }

    /// <summary>A prompt the random model does not end by itself (greedy, so what it does at 300 tokens it keeps doing).</summary>
    async Task<int[]> EndlessPromptAsync()
    {
        for (int first = 20; first < 120; first++)
        {
            int[] prompt = [first, first + 1, first + 2, first + 3];
            using HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/completions", Completion(300, prompt: prompt), Id(), null));
            JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (body.GetProperty("choices")[0].GetProperty("finish_reason").GetString() == "length") return prompt;
        }
        throw new InvalidOperationException("every candidate prompt ended by itself within 300 tokens");
    }

    [Fact]
    public async Task A_cancelled_stream_records_what_it_computed()
    {
        int[] prompt = await EndlessPromptAsync();
        string id = Id();
        int received = 0;
        using (HttpResponseMessage response = await server.Client.SendAsync(server.Post("/v1/completions", Completion(20_000, stream: true, prompt), id, Tenant()),
                   HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (received < 5 && await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal)) received++;
            }
        }   // the client goes away mid-stream

        var (status, entry) = await server.UsageAsync(id);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(entry.GetProperty("status").GetString() == "cancelled", $"{entry} after {received} events");
        Assert.Equal(prompt.Length, entry.GetProperty("prompt_tokens").GetInt32());
        int computed = entry.GetProperty("completion_tokens").GetInt32();
        Assert.InRange(computed, received, 19_999);
    }

    [Fact]
    public async Task The_token_budget_bounds_the_completion_and_a_prompt_over_it_is_refused_and_recorded()
    {
        string id = Id();
        using HttpResponseMessage bounded = await server.Client.SendAsync(server.Post("/v1/completions", Completion(50), id, Tenant(budget: Prompt.Length + 3)));
        JsonElement body = JsonDocument.Parse(await bounded.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, bounded.StatusCode);
        Assert.Equal(3, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        string over = Id();
        using HttpResponseMessage refused = await server.Client.SendAsync(server.Post("/v1/completions", Completion(50), over, Tenant(budget: Prompt.Length)));
        JsonElement error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("token_budget_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        var (_, entry) = await server.UsageAsync(over, waitMs: 0);
        Assert.Equal("rejected", entry.GetProperty("status").GetString());
        Assert.Equal(0, entry.GetProperty("prompt_tokens").GetInt32() + entry.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task A_forged_identity_is_refused_403_and_recorded_as_rejected()
    {
        string id = Id();
        using HttpRequestMessage request = server.Post("/v1/completions", Completion(5), id, Tenant());
        request.Headers.Remove(MeshIdentity.TenantHeader);
        request.Headers.Add(MeshIdentity.TenantHeader, "someone-else");
        using HttpResponseMessage response = await server.Client.SendAsync(request);
        JsonElement error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("unsigned_identity", error.GetProperty("code").GetString());
        var (status, entry) = await server.UsageAsync(id, waitMs: 0);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("rejected", entry.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_ledger_refuses_a_caller_without_the_mesh_credential_and_404s_an_unknown_request()
    {
        var (refused, error) = await server.UsageAsync("anything", waitMs: 0, credential: null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.Equal("invalid_mesh_credential", error.GetProperty("error").GetProperty("code").GetString());
        var (missing, _) = await server.UsageAsync("never-sent", waitMs: 100);
        Assert.Equal(HttpStatusCode.NotFound, missing);
    }
}
