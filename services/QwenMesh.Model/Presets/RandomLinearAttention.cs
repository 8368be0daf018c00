using QwenMesh.Model.Checkpoints;
using static TorchSharp.torch;

namespace QwenMesh.Model.Presets;

/// <summary>The Gated DeltaNet tensors of a random checkpoint, in the Qwen3.5 split layout or the Qwen3-Next grouped one.</summary>
internal static class RandomLinearAttention
{
    public static IEnumerable<SafetensorsWriter.Planned> Qwen3_5(RandomWeights w, ModelPreset p, string prefix, int layer,
        Func<string, long[], Func<Tensor>, SafetensorsWriter.Planned> T)
    {
        (long h, long keyDim, long valueDim, long nv) = Sizes(p);
        yield return T(prefix + "in_proj_qkv.weight", [2 * keyDim + valueDim, h], () => Qkv(w, p, layer));
        yield return T(prefix + "in_proj_z.weight", [valueDim, h], () => w.Linear($"{layer}.z", valueDim, h));
        yield return T(prefix + "in_proj_b.weight", [nv, h], () => w.Linear($"{layer}.b", nv, h));
        yield return T(prefix + "in_proj_a.weight", [nv, h], () => w.Linear($"{layer}.a", nv, h));
        foreach (var t in Common(w, p, prefix, layer, T)) yield return t;
    }

    /// <summary>Same function, Qwen3-Next storage: rows grouped per key head as [q | k | v | z] and [b | a].</summary>
    public static IEnumerable<SafetensorsWriter.Planned> Qwen3Next(RandomWeights w, ModelPreset p, string prefix, int layer,
        Func<string, long[], Func<Tensor>, SafetensorsWriter.Planned> T)
    {
        (long h, long keyDim, long valueDim, long nv) = Sizes(p);
        long nk = p.LinearKeyHeads, dk = p.LinearKeyHeadDim, r = nv / nk;
        yield return T(prefix + "in_proj_qkvz.weight", [2 * keyDim + 2 * valueDim, h], () =>
        {
            Tensor qkv = Qkv(w, p, layer);
            Tensor q = qkv.narrow(0, 0, keyDim).reshape(nk, dk, h);
            Tensor k = qkv.narrow(0, keyDim, keyDim).reshape(nk, dk, h);
            Tensor v = qkv.narrow(0, 2 * keyDim, valueDim).reshape(nk, -1, h);
            Tensor z = w.Linear($"{layer}.z", valueDim, h).reshape(nk, -1, h);
            return cat([q, k, v, z], 1).reshape(-1, h);
        });
        yield return T(prefix + "in_proj_ba.weight", [2 * nv, h], () =>
            cat([w.Linear($"{layer}.b", nv, h).reshape(nk, r, h), w.Linear($"{layer}.a", nv, h).reshape(nk, r, h)], 1).reshape(-1, h));
        foreach (var t in Common(w, p, prefix, layer, T)) yield return t;
    }

    static (long H, long KeyDim, long ValueDim, long Nv) Sizes(ModelPreset p) =>
        (p.HiddenSize, (long)p.LinearKeyHeads * p.LinearKeyHeadDim, (long)p.LinearValueHeads * p.LinearValueHeadDim, p.LinearValueHeads);

    static Tensor Qkv(RandomWeights w, ModelPreset p, int layer)
    {
        (long h, long keyDim, long valueDim, _) = Sizes(p);
        return w.Linear($"{layer}.qkv", 2 * keyDim + valueDim, h);
    }

    static IEnumerable<SafetensorsWriter.Planned> Common(RandomWeights w, ModelPreset p, string prefix, int layer,
        Func<string, long[], Func<Tensor>, SafetensorsWriter.Planned> T)
    {
        (long h, long keyDim, long valueDim, long nv) = Sizes(p);
        long conv = 2 * keyDim + valueDim;
        yield return T(prefix + "conv1d.weight", [conv, 1, p.ConvKernel], () => w.Normal($"{layer}.conv", [conv, 1, p.ConvKernel], 1.0 / Math.Sqrt(p.ConvKernel)));
        yield return T(prefix + "dt_bias", [nv], () => w.Normal($"{layer}.dt_bias", [nv], 0.2).Plus(1.0));
        // Decay rates A in [0.05, 1): slow enough that the state carries information across 64-token chunks.
        yield return T(prefix + "A_log", [nv], () => w.Uniform($"{layer}.A", [nv]).Times(0.95).Plus(0.05).log());
        yield return T(prefix + "norm.weight", [p.LinearValueHeadDim], () => w.Normal($"{layer}.gated_norm", [p.LinearValueHeadDim], 0.1).Plus(1.0));
        yield return T(prefix + "out_proj.weight", [h, valueDim], () => w.Linear($"{layer}.out_proj", h, valueDim));
    }
}
