using QwenMesh.Model.Config;
using QwenMesh.Model.Layers;
using static TorchSharp.torch;

namespace QwenMesh.Model.Kernels;

/// <summary>
/// A Gated DeltaNet layer's decode step between its two projections in one native call: conv window, silu, L2 norms,
/// gates, the recurrent update (each state read once for both products, then updated in one pass) and the gated norm,
/// where libtorch takes some forty ops and five passes over the state.
/// </summary>
public static class DeltaNetKernel
{
    public static bool Covers(Tensor projected, Tensor convStates, Tensor recurrent) =>
        projected.dim() == 2 && projected.is_contiguous() && convStates.dtype == ScalarType.BFloat16 && convStates.is_contiguous()
        && recurrent.dtype == ScalarType.Float32 && recurrent.is_contiguous() && NativeKernels.Cover(projected);

    /// <summary>
    /// projected [B, conv_dim + value_dim + 2 nv] (in_proj's output); convStates [B, conv_dim, K] and recurrent
    /// [B, nv, dk, dv] advance in place. Returns the gated norm's output [B, value_dim], out_proj's input.
    /// </summary>
    public static Tensor Step(ModelConfig c, Tensor projected, Tensor convStates, Tensor convWeight, Tensor negA, Tensor dtBias,
        Tensor recurrent, GatedRmsNorm norm)
    {
        long batch = projected.shape[0];
        Tensor output = empty(batch, c.LinearValueDim, dtype: ScalarType.BFloat16);
        NativeKernels.Check(NativeKernels.qm_deltanet_decode_bf16(NativeKernels.Data(projected), batch, projected.shape[1],
            NativeKernels.Data(convStates), NativeKernels.Data(convWeight), c.LinearConvKernelDim, c.LinearNumKeyHeads,
            c.LinearNumValueHeads, c.LinearKeyHeadDim, c.LinearValueHeadDim, NativeKernels.Data(negA), NativeKernels.Data(dtBias),
            NativeKernels.Data(recurrent), NativeKernels.Data(norm.Weight), (float)norm.Eps, NativeKernels.Data(output)), "deltanet");
        GC.KeepAlive(projected);
        GC.KeepAlive(convStates);
        GC.KeepAlive(convWeight);
        GC.KeepAlive(negA);
        GC.KeepAlive(dtBias);
        GC.KeepAlive(recurrent);
        GC.KeepAlive(norm);
        return output;
    }
}
