using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using QwenMesh.Cli.Bench;
using QwenMesh.Model;
using QwenMesh.Model.Presets;
using QwenMesh.Text.Grammar;
using QwenMesh.Text.Tokenization;
using QwenMesh.Text.ToolCalls;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `bench-grammar`: what constrained decoding costs. Token masks over the real Qwen3 vocabulary (151,936 tokens) for
/// three answers (a bounded JSON schema, a required tool call in the XML format, any JSON object), per token, against
/// the decode step of the preset's model at batch 1 and 8: the decode loop masks each constrained sequence in turn,
/// so a batch of b constrained sequences adds b masks to a step. Logits are random (what a model with random
/// weights says): the grammar's states, not the model, decide a mask's cost. The last line is one JSON object.
/// </summary>
public static class BenchGrammarCommand
{
    static readonly int[] Batches = [1, 8];

    const string Schema = """
        {"type": "object", "properties": {
           "name": {"type": "string", "minLength": 1, "maxLength": 40},
           "age": {"type": "integer", "minimum": 0, "maximum": 120},
           "tags": {"type": "array", "items": {"type": "string", "maxLength": 16}, "maxItems": 4},
           "kind": {"anyOf": [{"enum": ["person", "team"]}, {"type": "null"}]},
           "ok": {"type": "boolean"}},
         "required": ["name", "age", "tags", "kind", "ok"], "additionalProperties": false}
        """;

    const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
           "city": {"type": "string", "maxLength": 40}, "days": {"type": "integer", "minimum": 1, "maximum": 14},
           "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city", "days"]}}}]
        """;

    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        bool json = o.Flag("json");
        ModelPreset preset = ModelPreset.Named(o.String("preset") ?? "small");
        int runs = o.Int("runs", min: 1) ?? 5;
        int tokens = o.Int("tokens", min: 100) ?? 3000;
        ScalarType dtype = CliDefaults.DType(o.String("dtype"), ScalarType.BFloat16);
        o.EnsureAllUsed();
        TextWriter log = json ? stderr : stdout;

        string tokenizerFolder = CliDefaults.TokenizerFolder() is { } f && File.Exists(Path.Combine(f, "tokenizer.json"))
            ? f
            : throw new FileNotFoundException("bench-grammar needs the real Qwen3 tokenizer: run ./qwenmesh setup (or set QWENMESH_TOKENIZER_DIR)");
        ITokenizer tokenizer = TokenizerLoader.Load(tokenizerFolder);
        var clock = Stopwatch.StartNew();
        var trie = new TokenTrie(tokenizer);
        double trieMs = clock.Elapsed.TotalMilliseconds;
        log.WriteLine($"vocabulary index over {tokenizer.VocabSize} tokens: {trieMs:F0} ms");

        var stops = new HashSet<int>(tokenizer.StopTokenIds);
        var tools = JsonDocument.Parse(Tools).RootElement.EnumerateArray().ToList();
        var answers = new Dictionary<string, Func<GrammarNode>>
        {
            ["json_schema"] = () => JsonGrammar.FromSchema(JsonDocument.Parse(Schema).RootElement),
            ["tool_call_xml"] = () => ToolCallGrammar.For(ToolCallFormat.Xml, tools, null, parallel: false),
            ["json_object"] = JsonGrammar.AnyObject,
        };
        var masks = new Dictionary<string, Dictionary<string, double>>();
        foreach (var (name, grammar) in answers)
        {
            masks[name] = MaskMicroseconds(trie, grammar, stops, tokenizer.VocabSize, tokens);
            log.WriteLine($"  mask {name,-14} mean {masks[name]["mean"],7:F1} us  p50 {masks[name]["p50"],7:F1} us  p99 {masks[name]["p99"],8:F1} us per token");
        }

        string folder = BenchModels.Hybrid(preset, log);
        var stepMs = new Dictionary<string, double>();
        using (QwenModel model = QwenModel.Load(folder, dtype))
        {
            var run = new BenchRunner(model, log);
            run.WarmUp();
            foreach (int b in Batches) stepMs[Key(b)] = Math.Round(b * 1000 / run.DecodeTokensPerSecond(b, runs), 3);
        }

        // Every sequence of the batch constrained: b masks in turn on the decode loop, against one step.
        var share = masks.ToDictionary(m => m.Key, m => Batches.ToDictionary(b => Key(b), b => Math.Round(b * m.Value["mean"] / 1000 / stepMs[Key(b)], 4)));
        foreach (var (name, byBatch) in share)
        {
            log.WriteLine($"  {name,-14} share of a decode step: " + string.Join(", ", byBatch.Select(kv => $"batch {kv.Key} {kv.Value * 100:F1}%")));
        }
        var result = new Dictionary<string, object>
        {
            ["preset"] = preset.Name,
            ["dtype"] = QwenMesh.Model.DTypeNames.Of(dtype),
            ["vocab"] = tokenizer.VocabSize,
            ["index_build_ms"] = Math.Round(trieMs, 1),
            ["mask_us_per_token"] = masks,
            ["decode_step_ms"] = stepMs,
            ["mask_share_of_step"] = share,
        };
        stdout.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    // Mask + accept per token over answers generated from random logits (seed 1), restarted when one ends, after a warm-up.
    static Dictionary<string, double> MaskMicroseconds(TokenTrie trie, Func<GrammarNode> grammar, IReadOnlySet<int> stops, int vocab, int tokens)
    {
        var random = new Random(1);
        var logits = new float[vocab];
        var times = new List<double>(tokens);
        GrammarConstraint? constraint = null;
        int length = 0, taken = 0;
        // The first answers build the vocabulary's lazy lists (free text per terminator): one-time work, not counted.
        bool warm = false;
        while (times.Count < tokens)
        {
            warm = ++taken > 600;
            if (constraint is null || constraint.Finished || length >= 400)
            {
                constraint = new GrammarConstraint(trie, grammar(), stops, ReasoningStart.Closed, null);
                length = 0;
            }
            for (int i = 0; i < logits.Length; i++) logits[i] = (float)random.NextDouble();
            long start = Stopwatch.GetTimestamp();
            constraint.Mask(logits);
            double maskUs = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            // Choosing the token is the sampler's work with or without a constraint: not counted.
            int best = QwenMesh.Model.Sampling.Sampler.ArgMax(logits);
            start = Stopwatch.GetTimestamp();
            constraint.Accept(best);
            double acceptUs = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (warm) times.Add(maskUs + acceptUs);
            length++;
        }
        times.Sort();
        return new Dictionary<string, double>
        {
            ["mean"] = Math.Round(times.Average(), 1),
            ["p50"] = Math.Round(times[times.Count / 2], 1),
            ["p99"] = Math.Round(times[(int)(times.Count * 0.99)], 1),
        };
    }

    static string Key(int n) => n.ToString(CultureInfo.InvariantCulture);
}
