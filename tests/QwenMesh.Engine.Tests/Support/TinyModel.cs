using QwenMesh.Engine.State;
using QwenMesh.Model;
using QwenMesh.Model.Presets;

namespace QwenMesh.Engine.Tests.Support;

/// <summary>A tiny random checkpoint (two seeds, to have a foreign model at hand), loaded once for the collection.</summary>
public sealed class TinyModel : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-engine-tests", Guid.NewGuid().ToString("N"));

    public QwenModel Model { get; }
    public string Folder { get; }
    public string OtherFolder { get; }
    public string Fingerprint { get; }

    public TinyModel()
    {
        Folder = Path.Combine(_root, "a");
        OtherFolder = Path.Combine(_root, "b");
        var preset = ModelPreset.Tiny with { VocabSize = 512 };
        RandomCheckpoint.Write(Folder, new RandomCheckpoint.Options(preset, Seed: 1));
        RandomCheckpoint.Write(OtherFolder, new RandomCheckpoint.Options(preset, Seed: 2));
        Model = QwenModel.Load(Folder);
        Fingerprint = ModelFingerprint.Compute(Folder);
    }

    public StateCodec Codec => StateCodec.For(Model, Fingerprint);

    /// <summary>A store server's limits as the services derive them, with the default context length.</summary>
    public StateLimits Limits => StateLimits.For(Model.Config, Model.DType, 32768, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));

    public void Dispose()
    {
        Model.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class TinyModelCollection : ICollectionFixture<TinyModel>
{
    public const string Name = "tiny model";
}
