using static TorchSharp.torch;

namespace QwenMesh.Cli;

/// <summary>Values several commands share: dtype spellings and where the project keeps its downloaded data.</summary>
public static class CliDefaults
{
    /// <summary>Accepts the checkpoint spellings (f32, bf16) and the torch ones (float32, bfloat16).</summary>
    public static ScalarType DType(string? text, ScalarType fallback) => text is null
        ? fallback
        : QwenMesh.Model.DTypeNames.Parse(text) ?? throw new CliUsageException($"--dtype must be {QwenMesh.Model.DTypeNames.Accepted}, got '{text}'");

    /// <summary>The repository root (the folder holding QwenMesh.sln above this program), if the program runs from a checkout.</summary>
    public static string? RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "QwenMesh.sln"))) return d.FullName;
        }
        return null;
    }

    /// <summary>The Qwen3 tokenizer files (tokenizer.json, tokenizer_config.json) installed by `./qwenmesh setup`.</summary>
    public static string? TokenizerFolder()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("QWENMESH_TOKENIZER_DIR");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        string? root = RepositoryRoot();
        return root is null ? null : Path.Combine(root, ".cache", "tokenizer-qwen3", "models");
    }

    /// <summary>
    /// The usage outbox folders of the mesh `up` runs on <paramref name="port"/>: one mesh per port at a time, and the
    /// same folders when it starts again there, so events it had not delivered are not forgotten.
    /// </summary>
    public static string UsageOutbox(int port) =>
        Path.Combine(RepositoryRoot() ?? Path.GetTempPath(), ".cache", "usage", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Where generated models (the demo and benchmark checkpoints) are cached.</summary>
    public static string ModelCache() =>
        Environment.GetEnvironmentVariable("QWENMESH_MODEL_CACHE") is { Length: > 0 } env
            ? env
            : Path.Combine(RepositoryRoot() ?? Path.GetTempPath(), ".cache", "models");
}
