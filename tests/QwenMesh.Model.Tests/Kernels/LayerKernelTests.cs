using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using QwenMesh.Model.Kernels;
using QwenMesh.Model.Layers;
using QwenMesh.Model.State;
using QwenMesh.Model.Tests.Support;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests.Kernels;

/// <summary>
/// The fused decode kernels of the DeltaNet and attention layers against the same layers on libtorch alone, from the
/// same states, over several steps: outputs and every state they advance.
/// </summary>
[Collection(TinyCheckpointCollection.Name)]
public sealed class LayerKernelTests(TinyCheckpoints checkpoints)
{
    // Same rounding steps; float32 sums in another order can move an intermediate by one bf16 unit, a few units of
    // the output's scale at most, where a wrong head, gate or position is the whole scale.
    static void AssertClose(Tensor native, Tensor reference, string what)
    {
        Tensor a = native.to(ScalarType.Float32), b = reference.to(ScalarType.Float32);
        double scale = b.abs().max().item<float>(), worst = (a - b).abs().max().item<float>();
        Assert.True(scale > 0, $"{what}: the reference is all zeros");
        Assert.True(worst <= scale * Math.Pow(2, -6), $"{what}: max difference {worst} against a scale of {scale}");
    }

    static Tensor RandomBf16(ulong seed, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, generator: generator).to(ScalarType.BFloat16);
    }

    [NativeKernelFact]
    public void DeltaNet_decode_advances_outputs_and_states_as_libtorch_does()
    {
        using var scope = NewDisposeScope();
        ModelConfig config = ModelConfig.Load(checkpoints.Qwen35Bf16);
        using Checkpoint checkpoint = Checkpoint.Open(checkpoints.Qwen35Bf16);
        var layer = new GatedDeltaNet(config, WeightSource.For(checkpoint, ScalarType.BFloat16), "layers.0.linear_attn.");
        const int batch = 3;
        // Mid-sequence states: a filled conv window and a recurrent state of the size real decoding reaches.
        List<LinearAttentionState> States() => Enumerable.Range(0, batch).Select(i => new LinearAttentionState(
            RandomBf16((ulong)(10 + i), config.LinearConvDim, config.LinearConvKernelDim),
            RandomBf16((ulong)(20 + i), config.LinearNumValueHeads, config.LinearKeyHeadDim, config.LinearValueHeadDim)
                .to(ScalarType.Float32).Times(0.3))).ToList();
        List<LinearAttentionState> native = States(), reference = States();
        for (int step = 0; step < 3; step++)
        {
            Tensor x = RandomBf16((ulong)(30 + step), batch, config.HiddenSize);
            Tensor fused = layer.Decode(x, native);
            Tensor expected;
            using (NativeKernels.Suspend()) expected = layer.Decode(x, reference);
            AssertClose(fused, expected, $"step {step} output");
            for (int i = 0; i < batch; i++)
            {
                Assert.True(native[i].Conv.eq(reference[i].Conv).all().item<bool>(), $"step {step}: conv window of sequence {i}");
                AssertClose(native[i].Recurrent, reference[i].Recurrent, $"step {step}: recurrent state of sequence {i}");
            }
        }
    }

    [NativeKernelFact]
    public void Attention_decode_reads_each_cache_as_libtorch_does()
    {
        using var scope = NewDisposeScope();
        ModelConfig config = ModelConfig.Load(checkpoints.Qwen35Bf16);
        using Checkpoint checkpoint = Checkpoint.Open(checkpoints.Qwen35Bf16);
        int full = Enumerable.Range(0, config.NumHiddenLayers).First(i => config.LayerTypes[i] == LayerKind.FullAttention);
        var rope = new RotaryEmbedding(config);
        var layer = new GatedAttention(config, WeightSource.For(checkpoint, ScalarType.BFloat16), $"layers.{full}.self_attn.", rope);
        // Lengths from one token to past the first capacity, so one cache grows between steps.
        int[] lengths = [1, 9, 63];
        List<KvCache> Caches() => lengths.Select((length, i) =>
        {
            var cache = new KvCache(config.NumKeyValueHeads, config.HeadDim, ScalarType.BFloat16);
            Tensor keys = RandomBf16((ulong)(40 + i), config.NumKeyValueHeads, length, config.HeadDim);
            cache.Append(keys, RandomBf16((ulong)(50 + i), config.NumKeyValueHeads, length, config.HeadDim));
            return cache;
        }).ToList();
        List<KvCache> native = Caches(), reference = Caches();
        for (int step = 0; step < 3; step++)
        {
            Tensor x = RandomBf16((ulong)(60 + step), lengths.Length, config.HiddenSize);
            Tensor positions = tensor(lengths.Select(l => (long)(l + step)).ToArray());
            Tensor fused = layer.Decode(x, native, positions);
            Tensor expected;
            using (NativeKernels.Suspend()) expected = layer.Decode(x, reference, positions);
            AssertClose(fused, expected, $"step {step} output");
            for (int i = 0; i < lengths.Length; i++)
            {
                Assert.Equal(reference[i].Length, native[i].Length);
                Assert.True(native[i].Keys.eq(reference[i].Keys).all().item<bool>(), $"step {step}: keys of sequence {i}");
            }
        }
        foreach (KvCache c in native.Concat(reference)) c.Dispose();
    }
}
