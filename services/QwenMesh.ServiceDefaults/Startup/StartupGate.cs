namespace QwenMesh.ServiceDefaults.Startup;

/// <summary>
/// Whether the process has finished its start-up work (model load, fingerprint, expert handshake) and may take
/// traffic. <c>/ready</c> answers 503 until it opens; <c>/health</c> does not wait for it.
/// </summary>
public sealed class StartupGate
{
    readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsOpen => _opened.Task.IsCompletedSuccessfully;

    /// <summary>What the start-up is doing now, for <c>/ready</c> while it is closed.</summary>
    public string Stage { get; set; } = "starting";

    /// <summary>Completes when the gate opens.</summary>
    public Task Opened => _opened.Task;

    internal void Open() => _opened.TrySetResult();
}
