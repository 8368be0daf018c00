using QwenMesh.Cli;
using QwenMesh.Engine.Tests.Support;

namespace QwenMesh.Mesh.Tests;

/// <summary>
/// A tiny model with the real Qwen3 tokenizer, and three meshes serving it: disaggregated (prefill process, decode
/// process, state in a real Redis), colocated with the embedded store, and pools of two prefill and two decode
/// workers behind the gateway (open mode). Started once for all mesh tests.
/// </summary>
public sealed class MeshFixture : IAsyncLifetime
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-mesh-tests", Guid.NewGuid().ToString("N"));

    public RedisServer Redis { get; } = new();
    public string Model => Path.Combine(_root, "tiny");
    public MeshProcess Disaggregated { get; private set; } = null!;
    public MeshProcess Colocated { get; private set; } = null!;
    public MeshProcess Pools { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        TinyModel.Write(Model);
        await Redis.InitializeAsync();
        Disaggregated = MeshProcess.Start("--model", Model, "--redis", Redis.Endpoint);
        Colocated = MeshProcess.Start("--model", Model, "--prefill-workers", "0");
        Pools = MeshProcess.Start("--model", Model, "--prefill-workers", "2", "--decode-workers", "2");
    }

    public async Task DisposeAsync()
    {
        Disaggregated?.Dispose();
        Colocated?.Dispose();
        Pools?.Dispose();
        await Redis.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshFixture>
{
    public const string Name = "mesh";
}
