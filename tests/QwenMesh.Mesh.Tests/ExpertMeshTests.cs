using System.Diagnostics;
using System.Text.Json;
using QwenMesh.Cli;
using QwenMesh.Engine.State;
using QwenMesh.Hosting;
using static TorchSharp.torch;

namespace QwenMesh.Mesh.Tests;

/// <summary>Meshes whose MoE experts live on expert-worker processes: two workers with two replicas, and one without.</summary>
public sealed class ExpertMeshFixture : IAsyncLifetime
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-expert-tests", Guid.NewGuid().ToString("N"));

    public string Model => Path.Combine(_root, "tiny");
    public string OtherModel => Path.Combine(_root, "other");
    public MeshProcess Replicated { get; private set; } = null!;
    public MeshProcess Single { get; private set; } = null!;

    public Task InitializeAsync()
    {
        TinyModel.Write(Model);
        TinyModel.Write(OtherModel, seed: "12");
        Replicated = MeshProcess.Start("--model", Model, "--expert-workers", "2", "--expert-replicas", "2");
        Single = MeshProcess.Start("--model", Model, "--expert-workers", "1", "--prefill-workers", "0");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Replicated?.Dispose();
        Single?.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class ExpertMeshTests(ExpertMeshFixture mesh) : IClassFixture<ExpertMeshFixture>
{
    static readonly object[] Hello = [new { role = "user", content = "Hello, experts" }];

    string Expected(int maxTokens)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["generate", "--model", mesh.Model, "--prompt", "Hello, experts", "--chat", "--max-tokens", $"{maxTokens}", "--temperature", "0", "--json"], stdout, new StringWriter()));
        return JsonDocument.Parse(stdout.ToString().Trim().Split('\n')[^1]).RootElement.GetProperty("text").GetString()!;
    }

    static async Task<(int Status, JsonElement Body)> Chat(MeshProcess m, int maxTokens)
    {
        using var client = new OpenAiClient(m.BaseUrl);
        var (status, body, _) = await client.PostAsync("/v1/chat/completions", OpenAiClient.Chat("tiny", Hello, maxTokens));
        return (status, body);
    }

    static string Content(JsonElement body) => body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    static int Pid(MeshProcess m, string role, int index) =>
        int.Parse(m.Output.Last(l => l.StartsWith($"started {role} {index} ", StringComparison.Ordinal)).Split("pid=")[1].Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Remote_experts_give_the_same_greedy_text_and_survive_a_dead_replica()
    {
        Assert.Contains(mesh.Replicated.Output, l => l.StartsWith("started expert-worker 1 pid=", StringComparison.Ordinal));
        string expected = Expected(8);
        var (status, body) = await Chat(mesh.Replicated, 8);
        Assert.Equal(200, status);
        Assert.Equal(expected, Content(body));

        Process.GetProcessById(Pid(mesh.Replicated, "expert-worker", 0)).Kill();
        (status, body) = await Chat(mesh.Replicated, 8);
        Assert.Equal(200, status);
        Assert.Equal(expected, Content(body));
    }

    [Fact]
    public async Task Without_a_replica_requests_fail_cleanly_and_the_service_recovers()
    {
        string expected = Expected(4);
        Assert.Equal(200, (await Chat(mesh.Single, 4)).Status);
        Process.GetProcessById(Pid(mesh.Single, "expert-worker", 0)).Kill();
        var (status, body) = await Chat(mesh.Single, 4);
        Assert.Equal(503, status);
        Assert.Contains("expert", body.GetProperty("error").GetProperty("message").GetString());

        // The launcher restarts the worker; after its cool-down it serves again, with the same answers.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            (status, body) = await Chat(mesh.Single, 4);
            if (status == 200) break;
            Assert.True(DateTime.UtcNow < deadline, "the service did not recover after the expert worker came back");
            await Task.Delay(500);
        }
        Assert.Equal(expected, Content(body));
    }

    [Fact]
    public void Logits_through_grpc_workers_match_in_process_experts()
    {
        string[] urls = [.. Enumerable.Range(0, 2).Select(i => mesh.Replicated.Output.Last(l => l.StartsWith($"started expert-worker {i} ", StringComparison.Ordinal)).Split("grpc=")[1])];
        var options = new ServingOptions { Model = mesh.Model, ExpertWorkerUrls = string.Join(",", urls), ExpertReplicas = 2, MeshSecret = MeshProcess.Secret };
        var config = QwenMesh.Model.Config.ModelConfig.Load(mesh.Model);
        var executor = ExpertHosting.RemoteExecutor(options, config, ScalarType.Float32, ModelFingerprint.Compute(mesh.Model))!;
        using var remote = QwenMesh.Model.QwenModel.Load(mesh.Model, ScalarType.Float32, executor);
        using var local = QwenMesh.Model.QwenModel.Load(mesh.Model, ScalarType.Float32);
        using var scope = NewDisposeScope();
        int[] prompt = [9707, 11, 1879, 0, 151644, 872, 198, 17, 3330, 11];
        Tensor Logits(QwenMesh.Model.QwenModel m)
        {
            using var state = m.NewState();
            return cat([m.Prefill(state, prompt, allLogits: true), m.Decode([state], [42]), m.Decode([state], [43])], 0);
        }
        float diff = (Logits(local) - Logits(remote)).abs().max().item<float>();
        Assert.True(diff <= 1e-5, $"remote experts over gRPC differ by {diff}");
        Assert.True(executor.Traffic.LayerCalls > 0);
    }

    [Fact]
    public void A_worker_serving_another_checkpoint_is_refused()
    {
        string url = mesh.Replicated.Output.First(l => l.StartsWith("started expert-worker 1 ", StringComparison.Ordinal)).Split("grpc=")[1];
        var options = new ServingOptions { Model = mesh.OtherModel, ExpertWorkerUrls = $"{url},{url}", ExpertReplicas = 2, MeshSecret = MeshProcess.Secret };
        var config = QwenMesh.Model.Config.ModelConfig.Load(mesh.OtherModel);
        var e = Assert.Throws<InvalidOperationException>(() =>
            ExpertHosting.RemoteExecutor(options, config, ScalarType.Float32, ModelFingerprint.Compute(mesh.OtherModel)));
        Assert.Contains("serves model", e.Message);
        var samePlacementOtherIndex = new ServingOptions { Model = mesh.Model, ExpertWorkerUrls = url, ExpertReplicas = 1, MeshSecret = MeshProcess.Secret };
        e = Assert.Throws<InvalidOperationException>(() =>
            ExpertHosting.RemoteExecutor(samePlacementOtherIndex, QwenMesh.Model.Config.ModelConfig.Load(mesh.Model), ScalarType.Float32, ModelFingerprint.Compute(mesh.Model)));
        Assert.Contains("runs placement", e.Message);
    }
}
