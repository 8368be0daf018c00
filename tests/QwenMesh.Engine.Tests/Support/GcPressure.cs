namespace QwenMesh.Engine.Tests.Support;

/// <summary>
/// Forces full collections and finalizer runs on a background thread for as long as it lives: what a loaded
/// service does by allocating (32 streams allocate ~20 MB of logits rows per decode step), made constant, so that
/// anything whose native memory the GC may free while still in use fails here within seconds instead of by luck.
/// </summary>
public sealed class GcPressure : IDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;

    public GcPressure()
    {
        _thread = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true);
                GC.WaitForPendingFinalizers();
                Collections++;
            }
        }) { IsBackground = true, Name = "gc-pressure" };
        _thread.Start();
    }

    /// <summary>Full collections run so far.</summary>
    public int Collections { get; private set; }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
