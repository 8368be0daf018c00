using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using QwenMesh.Model.State;
using TorchSharp;
using QwenMesh.Model.Kernels;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// Gated DeltaNet linear attention: one fused input projection ([q|k|v] conv channels, z, b, a), a causal
/// depthwise conv carried across calls by the conv state, the gated delta rule, a gated RMSNorm and out_proj.
/// </summary>
public sealed class GatedDeltaNet
{
    readonly ModelConfig _c;
    readonly Tensor _inProj;      // [conv_dim + value_dim + 2 nv, H], rows in the Qwen3.5 order
    readonly Tensor _convWeight;  // [conv_dim, K]
    readonly Tensor _negA;        // -exp(A_log) in float32, [nv]
    readonly Tensor _dtBias;      // float32 [nv]
    readonly GatedRmsNorm _norm;
    readonly Tensor _outProj;     // [H, value_dim]

    public GatedDeltaNet(ModelConfig config, WeightSource w, string prefix)
    {
        _c = config;
        int h = config.HiddenSize, nv = config.LinearNumValueHeads;
        (Tensor qkv, Tensor z, Tensor b, Tensor a) = config.Layout == CheckpointLayout.Qwen3Next && w.Has(prefix + "in_proj_qkvz.weight")
            ? Qwen3NextProjections.Read(config, w, prefix)
            : (w.Get(prefix + "in_proj_qkv.weight", config.LinearConvDim, h), w.Get(prefix + "in_proj_z.weight", config.LinearValueDim, h),
               w.Get(prefix + "in_proj_b.weight", nv, h), w.Get(prefix + "in_proj_a.weight", nv, h));
        _inProj = cat([qkv, z, b, a], 0).DetachFromDisposeScope();
        _convWeight = w.Get(prefix + "conv1d.weight", config.LinearConvDim, 1, config.LinearConvKernelDim).squeeze(1).contiguous().DetachFromDisposeScope();
        _negA = (-w.GetAsFloat32(prefix + "A_log", nv).exp()).DetachFromDisposeScope();
        _dtBias = w.GetAsFloat32(prefix + "dt_bias", nv).DetachFromDisposeScope();
        _norm = new GatedRmsNorm(w, prefix + "norm.weight", config.LinearValueHeadDim, config.RmsNormEps);
        _outProj = w.Get(prefix + "out_proj.weight", h, config.LinearValueDim).DetachFromDisposeScope();
    }

    /// <summary>Prefill: x [N, H] for one sequence continuing <paramref name="state"/>; returns [N, H].</summary>
    public Tensor Prefill(Tensor x, LinearAttentionState state)
    {
        long n = x.shape[0];
        (Tensor mixed, Tensor z, Tensor b, Tensor a) = Split(Linear.Forward(x, _inProj));
        // Conv over [stored K inputs | new inputs]: each output sees the K most recent inputs.
        Tensor full = cat([state.Conv, mixed.t()], 1);                                   // [conv_dim, K + N]
        Tensor conv = nn.functional.conv1d(full.unsqueeze(0), _convWeight.unsqueeze(1), groups: _c.LinearConvDim)
            .squeeze(0).narrow(1, 1, n);                                                  // [conv_dim, N]
        state.Conv.copy_(full.narrow(1, n, _c.LinearConvKernelDim));
        Tensor activated = nn.functional.silu(conv).t();                                 // [N, conv_dim]

        (Tensor q, Tensor k, Tensor v) = SplitHeads(activated, n);                       // [N, heads, d]
        (Tensor g, Tensor beta) = Gates(a, b);                                            // [N, nv]
        (Tensor output, Tensor newState) = DeltaRule.Chunked(
            q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), g.t(), beta.t(), state.Recurrent);
        state.Recurrent.copy_(newState);
        return Finish(output.transpose(0, 1), z);
    }

    /// <summary>Decode: one new token per sequence, x [B, H]; states are updated in place. Returns [B, H].</summary>
    public Tensor Decode(Tensor x, IReadOnlyList<LinearAttentionState> states)
    {
        long batch = x.shape[0];
        Tensor projected = Linear.Forward(x, _inProj);
        (Tensor convStates, Tensor recurrent) = LinearAttentionState.Batch(states);      // [B, conv_dim, K], [B, nv, dk, dv]
        if (DeltaNetKernel.Covers(projected, convStates, recurrent))
            return Linear.Forward(DeltaNetKernel.Step(_c, projected, convStates, _convWeight, _negA, _dtBias, recurrent, _norm), _outProj);
        (Tensor mixed, Tensor z, Tensor b, Tensor a) = Split(projected);
        Tensor window = cat([convStates.narrow(2, 1, _c.LinearConvKernelDim - 1), mixed.unsqueeze(2)], 2);
        // Accumulate in float32 like the reference's conv kernel, then round once to the model dtype.
        Tensor conv = (window.to(ScalarType.Float32) * _convWeight.to(ScalarType.Float32)).sum([2]).to(x.dtype);
        convStates.copy_(window);
        Tensor activated = nn.functional.silu(conv);

        (Tensor q, Tensor k, Tensor v) = SplitHeads(activated, batch);                    // [B, heads, d]
        (Tensor g, Tensor beta) = Gates(a, b);
        Tensor output = DeltaRule.Step(q, k, v, g, beta, recurrent);
        return Finish(output, z);
    }

    /// <summary>in_proj's output [rows, ...] as its four parts: the conv inputs, z, b and a.</summary>
    (Tensor Mixed, Tensor Z, Tensor B, Tensor A) Split(Tensor p)
    {
        long conv = _c.LinearConvDim, value = _c.LinearValueDim, nv = _c.LinearNumValueHeads;
        return (p.narrow(1, 0, conv), p.narrow(1, conv, value), p.narrow(1, conv + value, nv), p.narrow(1, conv + value + nv, nv));
    }

    /// <summary>Splits conv output rows into q, k (expanded to the value heads, L2-normalised, float32) and v (float32).</summary>
    (Tensor Q, Tensor K, Tensor V) SplitHeads(Tensor activated, long rows)
    {
        long keyDim = _c.LinearKeyDim;
        int nk = _c.LinearNumKeyHeads, nv = _c.LinearNumValueHeads;
        Tensor q = activated.narrow(1, 0, keyDim).reshape(rows, nk, _c.LinearKeyHeadDim).to(ScalarType.Float32);
        Tensor k = activated.narrow(1, keyDim, keyDim).reshape(rows, nk, _c.LinearKeyHeadDim).to(ScalarType.Float32);
        Tensor v = activated.narrow(1, 2 * keyDim, _c.LinearValueDim).reshape(rows, nv, _c.LinearValueHeadDim).to(ScalarType.Float32);
        q = DeltaRule.L2Norm(q);
        k = DeltaRule.L2Norm(k);
        if (nv > nk)
        {
            // Value head j reads key head j / r.
            q = q.repeat_interleave(nv / nk, 1);
            k = k.repeat_interleave(nv / nk, 1);
        }
        return (q, k, v);
    }

    (Tensor G, Tensor Beta) Gates(Tensor a, Tensor b)
    {
        Tensor beta = b.sigmoid().to(ScalarType.Float32);   // sigmoid in the model dtype, as the reference does
        Tensor g = _negA * Softplus(a.to(ScalarType.Float32) + _dtBias);
        return (g, beta);
    }

    static readonly Scalar SoftplusThreshold = 20.ToScalar();

    /// <summary>
    /// softplus with PyTorch's defaults (beta 1, threshold 20: x itself above it), written out because TorchSharp's
    /// softplus turns its numbers into temporary Scalars (see <see cref="Scalars"/>).
    /// </summary>
    static Tensor Softplus(Tensor x) => where(x.gt(SoftplusThreshold), x, x.exp().log1p());

    /// <summary>o [rows, nv, dv] float32 -> gated norm with z -> out_proj.</summary>
    Tensor Finish(Tensor o, Tensor z)
    {
        long rows = o.shape[0];
        Tensor core = o.to(z.dtype).reshape(rows * _c.LinearNumValueHeads, _c.LinearValueHeadDim);
        Tensor gate = z.reshape(rows * _c.LinearNumValueHeads, _c.LinearValueHeadDim);
        Tensor normed = _norm.Forward(core, gate).reshape(rows, _c.LinearValueDim);
        return Linear.Forward(normed, _outProj);
    }
}
