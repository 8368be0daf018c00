using QwenMesh.Model.Layers;
using static TorchSharp.torch;

namespace QwenMesh.Model.Kernels;

/// <summary>
/// A MoE layer's routed experts for a decode-sized batch in one native call: each chosen expert's weights are read
/// once for all of the tokens that chose it, and the outputs combine in the reference's order and rounding.
/// </summary>
public static class ExpertsKernel
{
    public static bool Covers(Tensor hidden, ExpertWeights w) =>
        hidden.dim() == 2 && hidden.shape[0] <= Linear.MaxNativeRows && w.GateUp.dtype == ScalarType.BFloat16
        && w.GateUp.is_contiguous() && w.Down.is_contiguous() && NativeKernels.Cover(hidden);

    /// <summary>hidden [T, H] bf16; experts [T, k] int64 ids; weights [T, k] routing weights. Returns [T, H].</summary>
    public static Tensor Run(Tensor hidden, Tensor experts, Tensor weights, ExpertWeights w)
    {
        long t = hidden.shape[0], h = hidden.shape[1], topk = experts.shape[1];
        Tensor x = hidden.contiguous();
        Tensor ids = experts.to(ScalarType.Int64).contiguous();
        Tensor routeWeights = weights.to(ScalarType.BFloat16).contiguous();
        Tensor output = empty(t, h, dtype: ScalarType.BFloat16);
        int status = NativeKernels.qm_moe_bf16(NativeKernels.Data(x), t, h, NativeKernels.Data(ids), NativeKernels.Data(routeWeights), topk,
            NativeKernels.Data(w.GateUp), NativeKernels.Data(w.Down), w.Inner, w.Count, NativeKernels.Data(output));
        if (status == 2) throw new ArgumentException($"an expert id is outside [0, {w.Count})");
        NativeKernels.Check(status, "moe");
        GC.KeepAlive(x);
        GC.KeepAlive(ids);
        GC.KeepAlive(routeWeights);
        GC.KeepAlive(w);
        return output;
    }
}
