using QwenMesh.Model.Kernels;
using QwenMesh.Model.Layers;
using QwenMesh.Model.State;
using QwenMesh.Model.Tests.Support;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests.Kernels;

/// <summary>A test that runs only where the native kernels do, and says why when they do not.</summary>
public sealed class NativeKernelFactAttribute : FactAttribute
{
    public NativeKernelFactAttribute()
    {
        if (!NativeKernels.Available) Skip = $"the native kernels are not available here: {NativeKernels.WhyUnavailable}";
    }
}

/// <summary>The native bf16 kernels against libtorch's own ops on the same inputs.</summary>
[Collection(TinyCheckpointCollection.Name)]
public sealed class NativeKernelTests(TinyCheckpoints checkpoints)
{
    static Tensor Random(long rows, long columns, ulong seed)
    {
        using var generator = new Generator(seed);
        return randn(rows, columns, generator: generator).to(ScalarType.BFloat16);
    }

    // One bf16 rounding of the exact value (half a unit in the last place) plus float32 summation noise.
    static void AssertWithinRounding(Tensor actual, Tensor exact)
    {
        Tensor error = (actual.to(ScalarType.Float64) - exact).abs();
        Tensor bound = exact.abs().Times(Math.Pow(2, -8)).Plus(1e-3);
        Tensor worst = (error - bound).max();
        Assert.True(worst.item<double>() <= 0, $"native result off by {error.max().item<double>()} (bound {bound.min().item<double>()}..)");
    }

    [NativeKernelFact]
    public void Linear_rounds_the_exact_product_once_for_any_shape()
    {
        using var scope = NewDisposeScope();
        // Row counts around the 4-row blocks, a k with a tail shorter than one 32-wide step, weight rows not a multiple of 4.
        foreach (var (m, k, n) in new[] { (1L, 1024L, 64L), (3, 1024, 7), (4, 100, 33), (5, 31, 1), (16, 2048, 130) })
        {
            Tensor x = Random(m, k, (ulong)(m * 7 + k)), w = Random(n, k, (ulong)(n * 13 + k));
            Tensor exact = x.to(ScalarType.Float64).matmul(w.to(ScalarType.Float64).t());
            Tensor native = Linear.Forward(x, w);
            Assert.Equal(ScalarType.BFloat16, native.dtype);
            Assert.Equal(new[] { m, n }, native.shape);
            AssertWithinRounding(native, exact);
            using (NativeKernels.Suspend()) AssertWithinRounding(Linear.Forward(x, w), exact);
        }
    }

    [NativeKernelFact]
    public void Linear_reads_a_narrowed_input_as_its_values()
    {
        using var scope = NewDisposeScope();
        Tensor wide = Random(2, 96, 3), w = Random(8, 32, 4);
        Tensor x = wide.narrow(1, 32, 32);   // not contiguous
        Tensor exact = x.to(ScalarType.Float64).matmul(w.to(ScalarType.Float64).t());
        AssertWithinRounding(Linear.Forward(x, w), exact);
    }

    [NativeKernelFact]
    public void Routed_experts_equal_the_per_expert_path()
    {
        using var scope = NewDisposeScope();
        const long experts = 12, h = 64, inner = 40, topk = 3;
        var weights = new ExpertWeightsFixture(experts, h, inner);
        using var generator = new Generator(5);
        foreach (long tokens in new[] { 1L, 5, 16 })
        {
            Tensor hidden = Random(tokens, h, (ulong)tokens);
            // Distinct experts per token, some experts chosen by several tokens and some by none.
            Tensor ids = stack(Enumerable.Range(0, (int)tokens).Select(_ => randperm(experts, generator: generator).narrow(0, 0, topk)).ToArray(), 0);
            Tensor routing = rand(tokens, topk, generator: generator).softmax(-1).to(ScalarType.BFloat16);
            Tensor native = ExpertsKernel.Run(hidden, ids, routing, weights.Weights);
            Tensor reference;
            using (NativeKernels.Suspend())
                reference = RoutedExperts.Run(hidden, ids, routing, (e, rows) => SwiGlu.Apply(rows, weights.Weights.GateUp[e], weights.Weights.Down[e], inner));
            Tensor difference = (native.to(ScalarType.Float32) - reference.to(ScalarType.Float32)).abs();
            // Same rounding steps; only the float32 summation order inside each dot product differs, which can move an
            // intermediate by one bf16 unit: a few units of the output's scale, where a wrong route is the whole scale.
            double scale = reference.to(ScalarType.Float32).abs().max().item<float>(), worst = difference.max().item<float>();
            Assert.True(worst <= scale * Math.Pow(2, -6), $"{tokens} tokens: max difference {worst} against a scale of {scale}");
        }
        weights.Weights.Dispose();
    }

    [NativeKernelFact]
    public void An_expert_id_outside_the_layer_is_an_error_not_a_read_past_the_weights()
    {
        using var scope = NewDisposeScope();
        var weights = new ExpertWeightsFixture(4, 32, 16);
        Tensor ids = tensor(new long[] { 0, 4 }).reshape(1, 2);
        var error = Assert.Throws<ArgumentException>(() => ExpertsKernel.Run(Random(1, 32, 1), ids, ones(1, 2).to(ScalarType.BFloat16), weights.Weights));
        Assert.Contains("[0, 4)", error.Message);
        weights.Weights.Dispose();
    }

    [NativeKernelFact]
    public void A_bf16_model_decodes_as_it_does_on_libtorch_alone()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35Bf16, ScalarType.BFloat16);
        using var scope = NewDisposeScope();
        var random = new Random(3);
        int[] prompt = Enumerable.Range(0, 20).Select(_ => random.Next(TinyCheckpoints.Preset.VocabSize)).ToArray();
        int[] steps = Enumerable.Range(0, 6).Select(_ => random.Next(TinyCheckpoints.Preset.VocabSize)).ToArray();
        Tensor Run()
        {
            using SequenceState a = model.NewState(), b = model.NewState();
            model.Prefill(a, prompt).Dispose();
            model.Prefill(b, prompt[..7]).Dispose();
            var rows = new List<Tensor>();
            foreach (int t in steps) rows.Add(model.Decode([a, b], [t, t]));
            return cat(rows, 0);
        }
        Tensor native = Run();
        Tensor reference;
        using (NativeKernels.Suspend()) reference = Run();
        // bf16 activations: each rounding may land one unit apart, and that drifts through the layers a little.
        double scale = reference.abs().max().item<float>();
        double worst = (native - reference).abs().max().item<float>();
        Assert.True(worst <= 0.05 * scale, $"logits differ by {worst} against a scale of {scale}");
    }

    /// <summary>Random expert weights in the fused layout.</summary>
    sealed class ExpertWeightsFixture
    {
        public ExpertWeights Weights { get; }

        public ExpertWeightsFixture(long experts, long h, long inner)
        {
            using var generator = new Generator(11);
            Tensor gateUp = randn(experts, 2 * inner, h, generator: generator).Times(0.2).to(ScalarType.BFloat16);
            Tensor down = randn(experts, h, inner, generator: generator).Times(0.2).to(ScalarType.BFloat16);
            Weights = new ExpertWeights(gateUp, down, inner);
        }
    }
}
