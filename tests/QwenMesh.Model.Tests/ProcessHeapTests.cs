namespace QwenMesh.Model.Tests;

public sealed class ProcessHeapTests
{
    [Fact]
    public void On_glibc_the_heap_keeps_freed_memory_unless_the_operator_tuned_it()
    {
        if (!OperatingSystem.IsLinux()) return;
        bool operatorTuned = Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k.StartsWith("MALLOC_", StringComparison.Ordinal));
        // mallopt answers 1 for each accepted setting: a wrong parameter number or a missing libc makes this false.
        Assert.Equal(!operatorTuned, ProcessHeap.KeepFreedMemory());
    }
}
