using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace QwenMesh.ServiceDefaults.Startup;

/// <summary>
/// Runs the role's start-up work in order once the server listens (so <c>/health</c> answers meanwhile), then opens the
/// gate and prints the ready line. Start-up that fails stops the process with exit code 1: a half-started service
/// must not linger as "live but never ready" (its supervisor restarts it).
/// </summary>
internal sealed class StartupRunner(IEnumerable<IStartupWork> work, StartupGate gate, ReadySignal signal, IHostApplicationLifetime lifetime,
    ILogger<StartupRunner> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        try
        {
            await WhenStarted(stopping);
            foreach (IStartupWork step in work)
            {
                gate.Stage = step.Stage;
                long began = System.Diagnostics.Stopwatch.GetTimestamp();
                await step.RunAsync(stopping);
                log.LogInformation("start-up: {Stage} took {Ms:F0} ms", step.Stage, System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds);
            }
            gate.Stage = "ready";
            gate.Open();
            signal.Announce();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            log.LogCritical("start-up failed while {Stage}: {Message}", gate.Stage, e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    Task WhenStarted(CancellationToken stopping)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        stopping.Register(() => started.TrySetCanceled(stopping));
        return started.Task;
    }
}
