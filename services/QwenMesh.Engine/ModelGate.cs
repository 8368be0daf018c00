namespace QwenMesh.Engine;

/// <summary>
/// One forward pass at a time per model: the CPU threads of torch are shared, and interleaving two passes would
/// only make both slower. Prefill batches and decode steps of a colocated process take turns through the gate.
/// </summary>
public sealed class ModelGate
{
    readonly SemaphoreSlim _semaphore = new(1, 1);

    public T Run<T>(Func<T> pass)
    {
        _semaphore.Wait();
        try
        {
            return pass();
        }
        finally
        {
            _semaphore.Release();
        }
    }
}
