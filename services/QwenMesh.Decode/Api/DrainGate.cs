using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Decode;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Decode.Api;

/// <summary>
/// Admission of API requests by the process's life: refused (503 + Retry-After) while start-up runs, and again from
/// SIGTERM on, while running streams get <see cref="DecodeOptions.DrainTimeoutSeconds"/> to finish before the host stops.
/// </summary>
public sealed class DrainGate(StartupGate startup, IHostApplicationLifetime lifetime)
{
    static readonly TimeSpan StartingRetry = TimeSpan.FromSeconds(5);
    static readonly TimeSpan DrainingRetry = TimeSpan.FromSeconds(1);

    public void Admit()
    {
        if (!startup.IsOpen) throw new OpenAiException(503, OpenAiException.OverloadedType, $"the service is starting ({startup.Stage})", retryAfter: StartingRetry);
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            throw new OpenAiException(503, OpenAiException.OverloadedType, "the service is shutting down; retry on another replica", retryAfter: DrainingRetry);
    }
}
