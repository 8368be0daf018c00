using QwenMesh.Model.Presets;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Bench;

/// <summary>The benchmark's checkpoints, written once into the model cache and reused.</summary>
public static class BenchModels
{
    /// <summary>The preset as released Qwen3.5 is built (3 DeltaNet layers : 1 attention layer).</summary>
    public static string Hybrid(ModelPreset preset, TextWriter log) => Ensure($"{preset.Name}-hybrid", preset, log);

    /// <summary>The same preset with every layer full attention: the baseline the hybrid design is measured against.</summary>
    public static string FullAttention(ModelPreset preset, TextWriter log) =>
        Ensure($"{preset.Name}-full-attention", preset with { FullAttentionInterval = 1 }, log);

    static string Ensure(string name, ModelPreset preset, TextWriter log)
    {
        string folder = Path.Combine(CliDefaults.ModelCache(), name);
        if (File.Exists(Path.Combine(folder, "model.safetensors")) && File.Exists(Path.Combine(folder, "config.json"))) return folder;
        log.WriteLine($"writing {name} checkpoint to {folder} (once)...");
        string partial = folder + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        RandomCheckpoint.Write(partial, new RandomCheckpoint.Options(preset, ModelLayout.Qwen3_5, ScalarType.BFloat16, Seed: 1));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(partial, folder);
        return folder;
    }
}
