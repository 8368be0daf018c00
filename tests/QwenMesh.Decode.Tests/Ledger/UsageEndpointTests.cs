using QwenMesh.Metering.Events;
using Microsoft.AspNetCore.Http;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Tests.Ledger;

public sealed class UsageEndpointTests
{
    const string Secret = "mesh-secret";

    static DefaultHttpContext Get(string? credential, string? waitMs = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        if (credential is not null) http.Request.Headers[MeshCredential.Header] = credential;
        if (waitMs is not null) http.Request.QueryString = new QueryString($"?wait_ms={waitMs}");
        http.Response.Body = new MemoryStream();
        return http;
    }

    static string Body(HttpContext http) => System.Text.Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());

    [Fact]
    public async Task Without_the_mesh_credential_the_usage_is_refused()
    {
        var ledger = new UsageLedger(TimeProvider.System);
        ledger.Record("r1", new UsageEntry(1, 0, 1, UsageStatus.Finished));
        var endpoint = new UsageEndpoint(ledger, new MeshCredential(Secret));

        OpenAiException missing = await Assert.ThrowsAsync<OpenAiException>(() => endpoint.HandleAsync(Get(null), "r1"));
        Assert.Equal(401, missing.Status);
        OpenAiException wrong = await Assert.ThrowsAsync<OpenAiException>(() => endpoint.HandleAsync(Get("guess"), "r1"));
        Assert.Equal(401, wrong.Status);
        Assert.Contains(MeshCredential.Header, wrong.Message);

        var allowed = Get(Secret);
        await endpoint.HandleAsync(allowed, "r1");
        Assert.Contains("\"status\":\"finished\"", Body(allowed));
    }

    [Fact]
    public async Task An_open_mesh_answers_without_a_credential()
    {
        var ledger = new UsageLedger(TimeProvider.System);
        ledger.Record("r1", new UsageEntry(3, 1, 2, UsageStatus.Cancelled));
        var http = Get(null);
        await new UsageEndpoint(ledger, new MeshCredential(null)).HandleAsync(http, "r1");
        Assert.Equal("{\"request_id\":\"r1\",\"prompt_tokens\":3,\"cached_tokens\":1,\"completion_tokens\":2,\"status\":\"cancelled\"}", Body(http));
    }

    [Fact]
    public async Task It_waits_up_to_wait_ms_for_a_running_request_then_answers_404()
    {
        var ledger = new UsageLedger(TimeProvider.System);
        var endpoint = new UsageEndpoint(ledger, new MeshCredential(Secret));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        OpenAiException none = await Assert.ThrowsAsync<OpenAiException>(() => endpoint.HandleAsync(Get(Secret, "200"), "later"));
        Assert.Equal(404, none.Status);
        Assert.Equal("request_not_found", none.Code);
        Assert.True(clock.ElapsedMilliseconds >= 190, $"gave up after {clock.ElapsedMilliseconds} ms");

        var http = Get(Secret, "5000");
        Task answering = endpoint.HandleAsync(http, "later");
        await Task.Delay(50);
        Assert.False(answering.IsCompleted);
        ledger.Record("later", new UsageEntry(5, 0, 9, UsageStatus.Finished));
        await answering.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("\"completion_tokens\":9", Body(http));
    }

    [Fact]
    public async Task A_wait_that_is_not_a_number_is_a_bad_request()
    {
        var endpoint = new UsageEndpoint(new UsageLedger(TimeProvider.System), new MeshCredential(null));
        OpenAiException bad = await Assert.ThrowsAsync<OpenAiException>(() => endpoint.HandleAsync(Get(null, "soon"), "r"));
        Assert.Equal(400, bad.Status);
        Assert.Equal("wait_ms", bad.Param);
    }
}
