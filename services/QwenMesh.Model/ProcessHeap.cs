using System.Runtime.InteropServices;

namespace QwenMesh.Model;

/// <summary>
/// The C heap that libtorch's tensors come from, tuned for a model process. By default glibc hands every block over
/// 128 KiB straight to the kernel (mmap) and gives it back when freed, so each of a prefill's large temporaries
/// arrives as fresh pages that the kernel must fault in and zero: a 4096-token prefill spent over a third of its time
/// there. Keeping freed memory in the heap for the next pass removes that; the price is that the process keeps its
/// high-water mark, which is what a serving process is sized for anyway.
/// </summary>
public static class ProcessHeap
{
    // glibc's mallopt parameters (malloc.h).
    const int TrimThreshold = -1, TopPad = -2, MmapMax = -4;

    static readonly Lazy<bool> Tuned = new(Tune);

    /// <summary>
    /// Applies the policy once per process (glibc on Linux only). Left alone when the operator tuned glibc's heap
    /// through its own MALLOC_* environment variables.
    /// </summary>
    public static bool KeepFreedMemory() => Tuned.Value;

    static bool Tune()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k.StartsWith("MALLOC_", StringComparison.Ordinal))) return false;
        try
        {
            // Large blocks from the heap, never returned to the kernel, and the heap grown in steps of 256 MiB rather
            // than by each request (growing by exactly the request made long prefills slower still).
            return mallopt(MmapMax, 0) == 1 && mallopt(TrimThreshold, int.MaxValue) == 1 && mallopt(TopPad, 256 << 20) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;   // not glibc (musl, say): its own defaults stand
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int parameter, int value);
}
