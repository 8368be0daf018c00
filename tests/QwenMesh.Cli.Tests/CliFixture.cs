using QwenMesh.Model.Presets;

namespace QwenMesh.Cli.Tests;

/// <summary>
/// Model folders for CLI tests: one with the real Qwen3 tokenizer (as `make-model` writes it) and a small-vocabulary
/// one. The tokenizer comes from `./qwenmesh setup`; without it the tests fail and say so.
/// </summary>
public sealed class CliFixture : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "qwenmesh-cli-tests", Guid.NewGuid().ToString("N"));
    public string WithTokenizer { get; }
    public string SmallVocab { get; }
    public string TokenizerFolder { get; }

    public CliFixture()
    {
        TokenizerFolder = CliDefaults.TokenizerFolder() ?? "";
        if (!File.Exists(Path.Combine(TokenizerFolder, "tokenizer.json")))
            throw new InvalidOperationException($"Qwen3 tokenizer not found in '{TokenizerFolder}': run `./qwenmesh setup` first");
        WithTokenizer = Path.Combine(Root, "tiny");
        CliRun made = CliRun.Of("make-model", "--out", WithTokenizer, "--preset", "tiny", "--seed", "3");
        if (made.ExitCode != 0) throw new InvalidOperationException($"make-model failed: {made.Stderr}");
        SmallVocab = Path.Combine(Root, "tiny-512");
        RandomCheckpoint.Write(SmallVocab, new RandomCheckpoint.Options(ModelPreset.Tiny with { VocabSize = 512 }, Seed: 3));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliFixture>
{
    public const string Name = "cli";
}
