using QwenMesh.Model.Presets;
using QwenMesh.Model.Tests.Reference;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests;

/// <summary>Random tiny checkpoints written once per (layout, dtype, seed, shards) into one temp folder, deleted at the end.</summary>
public sealed class ReferenceCheckpointFolders : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-ref-" + Guid.NewGuid().ToString("N"));
    readonly Dictionary<string, string> _written = [];
    readonly Lock _lock = new();

    public const int Vocab = 512;

    public string Get(ModelLayout layout, ScalarType dtype, ulong seed, int shards = 1)
    {
        string key = $"{layout}-{dtype}-s{seed}-x{shards}";
        lock (_lock)
        {
            if (!_written.TryGetValue(key, out string? folder))
            {
                folder = Path.Combine(_root, key);
                RandomCheckpoint.Write(folder, new RandomCheckpoint.Options(ModelPreset.Tiny with { VocabSize = Vocab }, layout, dtype,
                    Seed: seed, Shards: shards, TokenizerFolder: null));
                _written[key] = folder;
            }
            return folder;
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}

/// <summary>
/// The engine's logits against <see cref="ReferenceModel"/>, a naive double-precision reading of the HF forward pass
/// that shares no code with the engine: every logit within 1e-3 and the same argmax at every position.
/// </summary>
public sealed class ReferenceParityTests(ReferenceCheckpointFolders folders, ITestOutputHelper output) : IClassFixture<ReferenceCheckpointFolders>
{
    const double Tolerance = 1e-3;

    [Theory]
    [InlineData(ModelLayout.Qwen3_5, ScalarType.Float32, 1, 1UL, 70)]
    [InlineData(ModelLayout.Qwen3_5, ScalarType.BFloat16, 1, 2UL, 70)]
    [InlineData(ModelLayout.Qwen3Next, ScalarType.Float32, 1, 3UL, 130)]
    [InlineData(ModelLayout.Qwen3_5, ScalarType.Float32, 2, 4UL, 130)]
    [InlineData(ModelLayout.Qwen3Next, ScalarType.BFloat16, 2, 5UL, 70)]
    [InlineData(ModelLayout.Qwen3_5, ScalarType.Float32, 1, 6UL, 3)]
    public void Prefill_matches_reference(ModelLayout layout, ScalarType diskDType, int shards, ulong seed, int length)
    {
        string folder = folders.Get(layout, diskDType, seed, shards);
        int[] tokens = Tokens(length, (int)seed);
        double[][] expected = ReferenceModel.Load(folder).Forward(tokens);

        using var model = QwenModel.Load(folder, ScalarType.Float32);
        using var state = model.NewState();
        using Tensor logits = model.Prefill(state, tokens, allLogits: true);
        AssertClose(expected, Rows(logits), 0, $"{layout} {diskDType} shards={shards} prefill {length}");
    }

    [Theory]
    [InlineData(ModelLayout.Qwen3_5, 64, 70)]
    [InlineData(ModelLayout.Qwen3Next, 1, 12)]
    [InlineData(ModelLayout.Qwen3_5, 127, 131)]
    public void Prefill_then_decode_matches_reference(ModelLayout layout, int prefilled, int total)
    {
        string folder = folders.Get(layout, ScalarType.Float32, 7);
        int[] tokens = Tokens(total, 7);
        double[][] expected = ReferenceModel.Load(folder).Forward(tokens);

        using var model = QwenModel.Load(folder, ScalarType.Float32);
        using var state = model.NewState();
        using (Tensor logits = model.Prefill(state, tokens[..prefilled], allLogits: true))
            AssertClose(expected[..prefilled], Rows(logits), 0, $"{layout} prefill {prefilled}");
        var decoded = new List<float[]>();
        for (int t = prefilled; t < total; t++)
        {
            using Tensor step = model.Decode([state], [tokens[t]]);
            Assert.Equal(new long[] { 1, ReferenceCheckpointFolders.Vocab }, step.shape);
            decoded.Add(Rows(step)[0]);
        }
        AssertClose(expected[prefilled..], [.. decoded], prefilled, $"{layout} decode {prefilled}..{total}");
    }

    [Fact]
    public void Continued_prefill_matches_reference()
    {
        string folder = folders.Get(ModelLayout.Qwen3_5, ScalarType.Float32, 1);
        int[] tokens = Tokens(130, 8);
        double[][] expected = ReferenceModel.Load(folder).Forward(tokens);

        using var model = QwenModel.Load(folder, ScalarType.Float32);
        using var state = model.NewState();
        using (Tensor first = model.Prefill(state, tokens[..40], allLogits: true))
            AssertClose(expected[..40], Rows(first), 0, "prefill 0..40");
        using Tensor second = model.Prefill(state, tokens[40..], allLogits: true);
        AssertClose(expected[40..], Rows(second), 40, "prefill 40..130 on the same state");
    }

    [Fact]
    public void Reference_reads_both_layouts_of_one_checkpoint_alike()
    {
        // RandomCheckpoint stores the same function in both layouts; the reference splits each one its own way.
        int[] tokens = Tokens(20, 9);
        double[][] a = ReferenceModel.Load(folders.Get(ModelLayout.Qwen3_5, ScalarType.Float32, 1)).Forward(tokens);
        double[][] b = ReferenceModel.Load(folders.Get(ModelLayout.Qwen3Next, ScalarType.Float32, 1)).Forward(tokens);
        double diff = MaxDiff(a, b);
        output.WriteLine($"Qwen3.5 vs Qwen3-Next layout, reference: max |diff| = {diff:E3}");
        Assert.True(diff < 1e-9, $"the two layouts differ by {diff}");
    }

    [Fact]
    public void Reference_is_sensitive_to_a_single_weight_and_to_the_seed()
    {
        string folder = folders.Get(ModelLayout.Qwen3_5, ScalarType.Float32, 1);
        int[] tokens = Tokens(70, 10);
        ReferenceModel reference = ReferenceModel.Load(folder);
        double[][] baseline = reference.Forward(tokens);

        reference.Layers[0].InputNorm[0] += 0.05;
        double normDiff = MaxDiff(baseline, reference.Forward(tokens));
        reference.Layers[0].InputNorm[0] -= 0.05;

        reference.Layers[1].DeltaNet!.ALog[0] += 0.05;
        double decayDiff = MaxDiff(baseline, reference.Forward(tokens));
        reference.Layers[1].DeltaNet!.ALog[0] -= 0.05;

        double seedDiff = MaxDiff(baseline, ReferenceModel.Load(folders.Get(ModelLayout.Qwen3_5, ScalarType.Float32, 2)).Forward(tokens));
        double restoredDiff = MaxDiff(baseline, reference.Forward(tokens));
        output.WriteLine($"input norm +0.05: {normDiff:E3}; A_log +0.05: {decayDiff:E3}; other seed: {seedDiff:E3}; restored: {restoredDiff:E3}");
        Assert.True(normDiff > 10 * Tolerance, $"one norm weight moved the logits by only {normDiff}");
        Assert.True(decayDiff > 10 * Tolerance, $"one A_log moved the logits by only {decayDiff}");
        Assert.True(seedDiff > 100 * Tolerance, $"another seed moved the logits by only {seedDiff}");
        Assert.Equal(0.0, restoredDiff);
    }

    void AssertClose(double[][] expected, float[][] actual, int firstPosition, string label)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int worstAt = -1;
        var argmaxMismatches = new List<int>();
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.Equal(expected[t].Length, actual[t].Length);
            for (int v = 0; v < expected[t].Length; v++)
            {
                double d = Math.Abs(expected[t][v] - actual[t][v]);
                if (!(d <= worst)) (worst, worstAt) = (d, t);   // NaN counts as worst
            }
            if (ArgMax(expected[t]) != ArgMax(actual[t].Select(x => (double)x).ToArray())) argmaxMismatches.Add(firstPosition + t);
        }
        output.WriteLine($"{label}: max |diff| = {worst:E3} (position {firstPosition + worstAt}), argmax mismatches: {argmaxMismatches.Count}");
        Assert.True(worst <= Tolerance, $"{label}: max |diff| {worst} at position {firstPosition + worstAt}");
        Assert.Empty(argmaxMismatches);
    }

    static int ArgMax(double[] row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    static double MaxDiff(double[][] a, double[][] b)
    {
        double worst = 0;
        for (int t = 0; t < a.Length; t++)
            for (int v = 0; v < a[t].Length; v++) worst = Math.Max(worst, Math.Abs(a[t][v] - b[t][v]));
        return worst;
    }

    static float[][] Rows(Tensor logits)
    {
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.Equal(2, logits.dim());
        int n = (int)logits.shape[0], v = (int)logits.shape[1];
        using Tensor dense = logits.contiguous();
        float[] flat = dense.data<float>().ToArray();
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * v, v).ToArray()).ToArray();
    }

    static int[] Tokens(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(ReferenceCheckpointFolders.Vocab)).ToArray();
    }
}
