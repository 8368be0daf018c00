using System.Diagnostics;

namespace QwenMesh.Mesh.Tests;

/// <summary>
/// The official `openai` JavaScript client (npm, fetched at test time) streams a chat through the secured gateway with
/// an API key: what a user's application does. Its wrong-key error is the typed AuthenticationError.
/// </summary>
[Collection(SecuredMeshCollection.Name)]
public sealed class OpenAiJsClientTests(SecuredMeshFixture mesh)
{
    /// <summary>The last 4.x release, which runs on the Node 18/20 that Debian and CI have.</summary>
    const string Package = "openai@4.95.0";

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
        if (File.Exists(Path.Combine(dir, "node_modules", "openai", "package.json"))) return dir;
        Directory.CreateDirectory(dir);
        var npm = Process.Start(new ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund", "--silent", "--prefix", dir, Package])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("npm is needed for this test (apt-get install -y npm)");
        string error = npm.StandardError.ReadToEnd();
        npm.WaitForExit();
        Assert.True(npm.ExitCode == 0, $"npm install {Package} failed: {error}");
        return dir;
    }

    [Fact]
    public async Task The_official_openai_js_client_streams_through_the_gateway_with_an_api_key()
    {
        string dir = Install();
        var (_, key, _) = await mesh.TenantAsync("js");
        string script = Path.Combine(dir, "stream.js");
        await File.WriteAllTextAsync(script, Script);
        var info = new ProcessStartInfo("node", [script]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        info.Environment["KEY"] = key;
        info.Environment["BASE"] = mesh.Gateway(1).ToString().TrimEnd('/');
        using var node = Process.Start(info)!;
        string output = await node.StandardOutput.ReadToEndAsync();
        string error = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, $"node failed: {error}");
        var result = System.Text.Json.JsonDocument.Parse(output.Trim().Split('\n').Last()).RootElement;
        Assert.True(result.GetProperty("chunks").GetInt32() >= 2);
        Assert.True(result.GetProperty("usage").GetProperty("completion_tokens").GetInt32() is >= 1 and <= 6);
        var refused = result.GetProperty("refused");
        Assert.Equal(401, refused.GetProperty("status").GetInt32());
        Assert.Equal("invalid_api_key", refused.GetProperty("code").GetString());
        Assert.Equal("AuthenticationError", refused.GetProperty("type").GetString());
    }
}
