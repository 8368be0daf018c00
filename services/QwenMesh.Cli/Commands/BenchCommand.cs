using System.Globalization;
using System.Text.Json;
using QwenMesh.Cli.Bench;
using QwenMesh.Model;
using QwenMesh.Model.Kernels;
using QwenMesh.Model.Presets;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `bench`: prefill and decode throughput, decode cost against context length for the hybrid model and an
/// all-full-attention variant, batch scaling, and bf16 against float32. The last line is one JSON object.
/// </summary>
public static class BenchCommand
{
    static readonly int[] PrefillLengths = [512, 4096];
    static readonly int[] Batches = [1, 8, 32];
    static readonly int[] KernelComparisonBatches = [1, 8];
    static readonly int[] Contexts = [1024, 8192, 32768];
    // Long-context serving runs many sequences per step: per-token cost at 32K with a batch of 8.
    const int LongContextBatch = 8;

    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        bool json = o.Flag("json");
        ScalarType dtype = CliDefaults.DType(o.String("dtype"), ScalarType.BFloat16);
        ModelPreset preset = ModelPreset.Named(o.String("preset") ?? "bench");
        int runs = o.Int("runs", min: 1) ?? 5;
        o.EnsureAllUsed();
        TextWriter log = json ? stderr : stdout;
        static string Name(ScalarType t) => QwenMesh.Model.DTypeNames.Of(t);
        ScalarType other = dtype == ScalarType.BFloat16 ? ScalarType.Float32 : ScalarType.BFloat16;

        string hybridFolder = BenchModels.Hybrid(preset, log);
        string fullFolder = BenchModels.FullAttention(preset, log);
        log.WriteLine($"preset {preset.Name}, {Name(dtype)}, {get_num_threads()} threads, median of {runs} runs after warm-up");
        log.WriteLine(NativeKernels.Active ? "native kernels: on" : $"native kernels: off ({NativeKernels.WhyUnavailable ?? $"{NativeKernels.Switch}=0"})");

        var prefill = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var decode = new Dictionary<string, double>();
        var hybridCtx = new Dictionary<string, double>();
        var fullCtx = new Dictionary<string, double>();
        var batchedLong = new Dictionary<string, double>();
        var libtorchDecode = new SortedDictionary<string, double>(StringComparer.Ordinal);
        double otherDecode, otherPrefill;
        using (QwenModel model = QwenModel.Load(hybridFolder, dtype))
        {
            var run = new BenchRunner(model, log);
            log.WriteLine("hybrid model:");
            run.WarmUp();
            foreach (int n in PrefillLengths) prefill[Key(n)] = run.PrefillTokensPerSecond(n, n > 1024 ? Math.Min(runs, 3) : runs);
            foreach (int b in Batches) decode[Key(b)] = run.DecodeTokensPerSecond(b, runs);
            foreach (int c in Contexts) hybridCtx[Key(c)] = run.DecodeMsAtContext(c, runs);
            batchedLong["hybrid"] = run.DecodeMsAtContext(Contexts[^1], runs, LongContextBatch);
            if (NativeKernels.Active)
            {
                // The same decode with libtorch's ops only, in this run: what the native kernels are worth here.
                log.WriteLine("hybrid model, libtorch's ops only:");
                using (NativeKernels.Suspend())
                    foreach (int b in KernelComparisonBatches) libtorchDecode[Key(b)] = run.DecodeTokensPerSecond(b, runs);
            }
        }
        using (QwenModel model = QwenModel.Load(fullFolder, dtype))
        {
            var run = new BenchRunner(model, log);
            log.WriteLine("all-full-attention variant:");
            run.WarmUp();
            foreach (int c in Contexts) fullCtx[Key(c)] = run.DecodeMsAtContext(c, runs);
            batchedLong["full_attention"] = run.DecodeMsAtContext(Contexts[^1], runs, LongContextBatch);
        }
        using (QwenModel model = QwenModel.Load(hybridFolder, other))
        {
            var run = new BenchRunner(model, log);
            log.WriteLine($"hybrid model in {Name(other)}:");
            run.WarmUp();
            otherPrefill = run.PrefillTokensPerSecond(PrefillLengths[0], runs);
            otherDecode = run.DecodeTokensPerSecond(1, runs);
        }

        string longest = Key(Contexts[^1]), shortest = Key(Contexts[0]);
        var ratios = new Dictionary<string, double>
        {
            [$"full_over_hybrid_ms_at_{longest}"] = fullCtx[longest] / hybridCtx[longest],
            [$"full_over_hybrid_ms_at_{longest}_batch{LongContextBatch}"] = batchedLong["full_attention"] / batchedLong["hybrid"],
            [$"hybrid_ms_{longest}_over_{shortest}"] = hybridCtx[longest] / hybridCtx[shortest],
            ["decode_batch32_over_batch1"] = decode[Key(32)] / decode[Key(1)],
            [$"decode_{Name(dtype)}_over_{Name(other)}"] = decode[Key(1)] / otherDecode,
        };
        foreach ((string b, double tokensPerSecond) in libtorchDecode) ratios[$"decode_batch{b}_native_over_libtorch"] = decode[b] / tokensPerSecond;
        var result = new Dictionary<string, object>
        {
            ["preset"] = preset.Name,
            ["dtype"] = Name(dtype),
            ["threads"] = get_num_threads(),
            ["prefill_tokens_per_s"] = prefill,
            ["decode_tokens_per_s"] = decode,
            ["decode_ms_per_token"] = new Dictionary<string, object> { ["hybrid"] = hybridCtx, ["full_attention"] = fullCtx },
            [$"decode_ms_per_token_at_{longest}_batch{LongContextBatch}"] = batchedLong,
            ["dtype_comparison"] = new Dictionary<string, object>
            {
                [Name(dtype)] = new { prefill_tokens_per_s_512 = prefill[Key(512)], decode_tokens_per_s_1 = decode[Key(1)] },
                [Name(other)] = new { prefill_tokens_per_s_512 = otherPrefill, decode_tokens_per_s_1 = otherDecode },
            },
            ["ratios"] = ratios,
            ["native_kernels"] = new Dictionary<string, object?>
            {
                ["active"] = NativeKernels.Active,
                ["unavailable_because"] = NativeKernels.WhyUnavailable,
                ["libtorch_only_decode_tokens_per_s"] = libtorchDecode,
            },
            ["peak_rss_mb"] = Math.Round(Timing.PeakRssMb(), 1),
        };
        string line = JsonSerializer.Serialize(result, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict });
        if (json) stdout.WriteLine(line);
        else
        {
            foreach ((string k, double v) in (Dictionary<string, double>)result["ratios"]) stdout.WriteLine($"  {k}: {v:F2}");
            stdout.WriteLine(line);
        }
        return 0;
    }

    static string Key(int n) => n.ToString(CultureInfo.InvariantCulture);
}
