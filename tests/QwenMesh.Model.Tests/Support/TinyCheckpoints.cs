using QwenMesh.Model.Presets;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests.Support;

/// <summary>
/// Tiny random checkpoints in real HF format, written once per test run and shared by the tests of a collection.
/// A 512-token vocabulary keeps them small; the same seed gives the same function in both layouts.
/// </summary>
public sealed class TinyCheckpoints : IDisposable
{
    public const ulong Seed = 7;
    public static readonly ModelPreset Preset = ModelPreset.Tiny with { VocabSize = 512 };

    readonly TempFolder _root = new();

    public string Qwen35 { get; }
    public string Qwen3Next { get; }
    public string Qwen35Bf16 { get; }

    public TinyCheckpoints()
    {
        Qwen35 = Write("qwen3_5", ModelLayout.Qwen3_5, ScalarType.Float32);
        Qwen3Next = Write("qwen3_next", ModelLayout.Qwen3Next, ScalarType.Float32);
        Qwen35Bf16 = Write("qwen3_5_bf16", ModelLayout.Qwen3_5, ScalarType.BFloat16);
    }

    string Write(string name, ModelLayout layout, ScalarType dtype, int shards = 1)
    {
        string folder = _root.Sub(name);
        RandomCheckpoint.Write(folder, new RandomCheckpoint.Options(Preset, layout, dtype, Seed, shards));
        return folder;
    }

    /// <summary>A fresh copy of the Qwen3.5 checkpoint in a folder the caller may damage.</summary>
    public string CopyOfQwen35(TempFolder into)
    {
        string folder = into.Sub("copy");
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(Qwen35)) File.Copy(file, System.IO.Path.Combine(folder, System.IO.Path.GetFileName(file)));
        return folder;
    }

    public void Dispose() => _root.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TinyCheckpointCollection : ICollectionFixture<TinyCheckpoints>
{
    public const string Name = "tiny checkpoints";
}
