using QwenMesh.Model.Presets;
using static TorchSharp.torch;

namespace QwenMesh.Cli;

/// <summary>
/// The model used when a command is given no --model: the `small` preset with the real Qwen3 tokenizer,
/// written once into the model cache so that a fresh checkout runs with no downloads of weights.
/// </summary>
public static class DemoModel
{
    public static string Ensure(TextWriter log)
    {
        string folder = Path.Combine(CliDefaults.ModelCache(), "small");
        if (File.Exists(Path.Combine(folder, "model.safetensors")) && File.Exists(Path.Combine(folder, "tokenizer.json"))) return folder;
        string tokenizer = CliDefaults.TokenizerFolder() ?? "";
        if (!File.Exists(Path.Combine(tokenizer, "tokenizer.json")))
            throw new IOException($"the Qwen3 tokenizer is not installed at '{tokenizer}': run `./qwenmesh setup`");
        log.WriteLine($"qwenmesh: writing the demo model (preset small, random weights) to {folder} (once)");
        string partial = folder + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        RandomCheckpoint.Write(partial, new RandomCheckpoint.Options(ModelPreset.Small, ModelLayout.Qwen3_5, ScalarType.BFloat16, Seed: 0, TokenizerFolder: tokenizer));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(partial, folder);
        return folder;
    }
}
