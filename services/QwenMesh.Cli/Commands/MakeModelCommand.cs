using QwenMesh.Model.Presets;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Commands;

/// <summary>`make-model`: writes a random model folder in real HF format, with the Qwen3 tokenizer (and, as released checkpoints, the MTP block).</summary>
public static class MakeModelCommand
{
    public static int Run(CliOptions o, TextWriter stdout)
    {
        string output = o.Required("out");
        ModelPreset preset = ModelPreset.Named(o.String("preset") ?? "tiny");
        ModelLayout layout = (o.String("layout") ?? "qwen3_5") switch
        {
            "qwen3_5" => ModelLayout.Qwen3_5,
            "qwen3_next" => ModelLayout.Qwen3Next,
            string other => throw new CliUsageException($"--layout must be qwen3_5 or qwen3_next, got '{other}'"),
        };
        ScalarType dtype = CliDefaults.DType(o.String("dtype"), preset == ModelPreset.Tiny ? ScalarType.Float32 : ScalarType.BFloat16);
        ulong seed = o.ULong("seed") ?? 0;
        int shards = o.Int("shards", min: 1) ?? 1;
        int? vocab = o.Int("vocab", min: 1);
        bool withoutTokenizer = o.Flag("no-tokenizer");
        bool dense = o.Flag("dense");
        // Released Qwen3.5 and Qwen3-Next checkpoints carry the MTP block; so do ours unless told otherwise.
        bool mtp = !o.Flag("no-mtp");
        o.EnsureAllUsed();

        string? tokenizer = null;
        if (!withoutTokenizer)
        {
            tokenizer = CliDefaults.TokenizerFolder();
            if (tokenizer is null || !File.Exists(Path.Combine(tokenizer, "tokenizer.json")))
                throw new IOException($"the Qwen3 tokenizer is not installed at '{tokenizer}': run `./qwenmesh setup` (or pass --no-tokenizer)");
        }
        if (vocab is not null) preset = preset with { VocabSize = vocab.Value };
        if (tokenizer is not null && preset.VocabSize < 151669)
            throw new CliUsageException($"--vocab {preset.VocabSize} is smaller than the Qwen3 tokenizer (151669 ids); add --no-tokenizer");

        RandomCheckpoint.Write(output, new RandomCheckpoint.Options(preset, layout, dtype, seed, shards, tokenizer, dense, mtp));
        stdout.WriteLine($"wrote {output} (preset {preset.Name}, layout {layout}{(dense ? ", dense" : "")}{(mtp ? ", mtp" : "")}, {(dtype == ScalarType.BFloat16 ? "bf16" : "f32")}, seed {seed})");
        return 0;
    }
}
