using System.Runtime.InteropServices;
using QwenMesh.Model.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace QwenMesh.Model.Kernels;

/// <summary>
/// The project's own CPU kernels (<c>Kernels/native</c>, compiled by this project's build into
/// <c>libqwenmesh_kernels.so</c>). They cover bfloat16 on CPUs with AVX512-BF16; everywhere else (no compiler at build
/// time, another CPU or device, float32, <c>QWENMESH_NATIVE_KERNELS=0</c>) the callers keep libtorch's path.
/// </summary>
public static class NativeKernels
{
    const string Library = "qwenmesh_kernels";

    /// <summary>The environment variable that turns the kernels off (<c>0</c>), e.g. to measure libtorch's path.</summary>
    public const string Switch = "QWENMESH_NATIVE_KERNELS";

    static readonly Lazy<string?> Unavailability = new(Probe);

    /// <summary>Whether the kernels run in this process.</summary>
    public static bool Available => Unavailability.Value is null;

    /// <summary>Why they do not, for logs and benchmarks; null when they do.</summary>
    public static string? WhyUnavailable => Unavailability.Value;

    static readonly bool SwitchedOn = Environment.GetEnvironmentVariable(Switch) != "0";
    static readonly AsyncLocal<bool> Suspended = new();

    /// <summary>Whether they run here: available, not switched off, not suspended for this flow.</summary>
    public static bool Active => SwitchedOn && !Suspended.Value && Available;

    /// <summary>
    /// Runs libtorch's path for the calling flow (and the threads it starts) until disposed: for benchmarks and tests
    /// that compare both paths in one process.
    /// </summary>
    public static IDisposable Suspend()
    {
        bool before = Suspended.Value;
        Suspended.Value = true;
        return new Restore(before);
    }

    sealed class Restore(bool before) : IDisposable
    {
        public void Dispose() => Suspended.Value = before;
    }

    /// <summary>Whether the kernels take a bfloat16 op on this tensor's device.</summary>
    public static bool Cover(Tensor x) => x.dtype == ScalarType.BFloat16 && x.device_type == DeviceType.CPU && Active;

    static string? Probe()
    {
        try
        {
            int capabilities = qm_init(get_num_threads());
            return capabilities == 0 ? "this CPU has no AVX512-BF16" : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return $"lib{Library}.so did not load ({e.Message})";
        }
    }

    /// <summary>The address of a contiguous CPU tensor's first element (its storage offset included).</summary>
    internal static IntPtr Data(Tensor t) => TensorMemory.Pointer(t);

    internal static void Check(int status, string op)
    {
        if (status != 0) throw new InvalidOperationException($"native kernel {op} failed with status {status}");
    }

    [DllImport(Library)]
    static extern int qm_init(int threads);

    [DllImport(Library)]
    internal static extern int qm_linear_bf16(IntPtr x, long m, long k, IntPtr w, long n, IntPtr output);

    [DllImport(Library)]
    internal static extern int qm_moe_bf16(IntPtr x, long t, long h, IntPtr ids, IntPtr weights, long topk,
        IntPtr gateUp, IntPtr down, long inner, long experts, IntPtr output);

    [DllImport(Library)]
    internal static extern int qm_deltanet_decode_bf16(IntPtr proj, long b, long projStride, IntPtr convState, IntPtr convWeight,
        long kernel, long nk, long nv, long dk, long dv, IntPtr negA, IntPtr dtBias, IntPtr state, IntPtr normWeight, float eps,
        IntPtr output);

    [DllImport(Library)]
    internal static extern int qm_attention_decode_bf16(IntPtr q, long b, long hkv, long group, long d, IntPtr[] keys, IntPtr[] values,
        long[] lengths, long[] capacities, float scale, IntPtr output);
}
