namespace QwenMesh.Mesh.Tests;

/// <summary>
/// The k6 scripts of loadtest/k6 against live meshes, under the harness that stands in for k6 here (k6 cannot be
/// installed on these machines): their SSE parsing, metrics and thresholds run for real.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class K6ScriptTests(MeshFixture fixture)
{
    // Latency thresholds far above anything a loaded CI machine shows: speed is the benchmarks' business; here the
    // thresholds' evaluation is what runs. Greedy, so that every run streams the same chunks: a sampled token may be
    // part of a character, which shows no text until the next one, and then a stream has fewer gaps than tokens.
    Dictionary<string, string> Env() => new()
    {
        ["BASE_URL"] = fixture.Disaggregated.BaseUrl.ToString(), ["MAX_TOKENS"] = "6", ["TTFT_P95_MS"] = "60000", ["ITL_P95_MS"] = "30000",
        ["TEMPERATURE"] = "0",
    };

    [Fact]
    public async Task Chat_stream_measures_ttft_itl_and_tokens()
    {
        var run = await K6Harness.RunAsync("chat-stream.js", vus: 2, iterations: 2, Env());
        run.AssertPassed();
        Assert.Equal(4, run.Metric("ttft", "count"));
        Assert.Equal(4 * 5, run.Metric("itl", "count"));   // 6 tokens a stream: five gaps
        Assert.Equal(4 * 6, run.Metric("completion_tokens", "count"));
        Assert.True(run.Metric("ttft", "min") > 0);
    }

    [Fact]
    public async Task Multi_turn_sessions_reuse_cached_tokens()
    {
        var env = Env();
        env["TURNS"] = "3";
        var run = await K6Harness.RunAsync("multi-turn.js", vus: 1, iterations: 1, env);
        run.AssertPassed();
        Assert.Equal(2, run.Metric("cached_tokens", "count"));
        Assert.True(run.Metric("cached_tokens", "min") > 0);
    }

    [Fact]
    public async Task Soak_runs_its_iterations_within_thresholds()
    {
        var run = await K6Harness.RunAsync("soak.js", vus: 1, iterations: 2, Env());
        run.AssertPassed();
        Assert.Equal(2, run.Metric("iterations", "count"));
    }
}

/// <summary>The multi-tenant script on the secured mesh: it creates its tenants, and only the tight one is refused, with Retry-After honoured.</summary>
[Collection(SecuredMeshCollection.Name)]
public sealed class K6TenantMixTests(SecuredMeshFixture fixture)
{
    [Fact]
    public async Task Only_the_tight_tenant_is_refused_and_waits_as_told()
    {
        var run = await K6Harness.RunAsync("tenant-mix.js", vus: 2, iterations: 4, new Dictionary<string, string>
        {
            ["BASE_URL"] = fixture.Gateway(0).ToString(),
            ["ADMIN_KEY"] = SecuredMeshFixture.AdminKey,
            ["MAX_TOKENS"] = "4",
            ["MAX_RETRIES"] = "1",
            ["MAX_RETRY_WAIT_S"] = "1",
        });
        run.AssertPassed();
        Assert.True(run.Metric("refused", "count") >= 1);
        Assert.True(run.Metric("retry_after", "min") >= 1000, "a 429 without a useful Retry-After");
    }
}
