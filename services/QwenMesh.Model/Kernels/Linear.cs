using static TorchSharp.torch;

namespace QwenMesh.Model.Kernels;

/// <summary>
/// y = x W^T for the model's projections. A decode-sized batch in bfloat16 runs the native kernel, which reads W once
/// from its [out, in] layout; anything else (prefill, float32, other devices) runs libtorch's linear.
/// </summary>
public static class Linear
{
    /// <summary>
    /// Up to this many rows the native kernel is bandwidth-bound and ahead of libtorch's (which repacks W on every
    /// call); above it libtorch's blocked GEMM does more arithmetic per byte.
    /// </summary>
    public const int MaxNativeRows = 16;

    public static Tensor Forward(Tensor x, Tensor weight)
    {
        if (!Native(x, weight)) return nn.functional.linear(x, weight);
        long m = x.shape[0], k = x.shape[1], n = weight.shape[0];
        Tensor input = x.contiguous();
        Tensor output = empty(m, n, dtype: ScalarType.BFloat16);
        NativeKernels.Check(NativeKernels.qm_linear_bf16(NativeKernels.Data(input), m, k, NativeKernels.Data(weight), n, NativeKernels.Data(output)), "linear");
        GC.KeepAlive(input);
        GC.KeepAlive(weight);
        return output;
    }

    static bool Native(Tensor x, Tensor weight) =>
        x.dim() == 2 && weight.dim() == 2 && x.shape[0] <= MaxNativeRows && x.shape[1] == weight.shape[1]
        && weight.dtype == ScalarType.BFloat16 && weight.is_contiguous() && NativeKernels.Cover(x);
}
