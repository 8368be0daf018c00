using Microsoft.Extensions.Hosting;
using QwenMesh.Decode.Api;
using QwenMesh.Decode.OpenAi;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Decode.Tests.Api;

public sealed class DrainGateTests
{
    sealed class Lifetime : IHostApplicationLifetime
    {
        public readonly CancellationTokenSource Stopping = new();
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => Stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => Stopping.Cancel();
    }

    [Fact]
    public void Requests_are_refused_with_retry_after_while_starting_and_once_stopping()
    {
        var startup = new StartupGate { Stage = "loading model" };
        var lifetime = new Lifetime();
        var gate = new DrainGate(startup, lifetime);

        OpenAiException starting = Assert.Throws<OpenAiException>(gate.Admit);
        Assert.Equal(503, starting.Status);
        Assert.Contains("loading model", starting.Message);
        Assert.NotNull(starting.RetryAfterSeconds);

        startup.Open();
        gate.Admit();

        lifetime.StopApplication();
        OpenAiException draining = Assert.Throws<OpenAiException>(gate.Admit);
        Assert.Equal(503, draining.Status);
        Assert.Contains("shutting down", draining.Message);
        Assert.Equal(1, draining.RetryAfterSeconds);
    }
}
