namespace QwenMesh.ServiceDefaults.Startup;

/// <summary>A piece of a role's start-up that must finish before it is ready; runs after the host has started listening.</summary>
public interface IStartupWork
{
    /// <summary>Shown on <c>/ready</c> while it runs ("loading model", "expert handshake").</summary>
    string Stage { get; }

    Task RunAsync(CancellationToken cancellation);
}
