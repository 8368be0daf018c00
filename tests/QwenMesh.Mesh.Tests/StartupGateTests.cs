using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using QwenMesh.ServiceDefaults;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Mesh.Tests;

/// <summary>The start-up gate every role shares: live at once, ready only when its start-up work is done.</summary>
public sealed class StartupGateTests
{
    sealed class HeldWork(Task release) : IStartupWork
    {
        public string Stage => "held by the test";

        public Task RunAsync(CancellationToken cancellation) => release.WaitAsync(cancellation);
    }

    [Fact]
    public async Task Ready_is_503_until_start_up_work_finishes_while_health_answers_at_once()
    {
        var release = new TaskCompletionSource();
        int port = MeshProcess.FreePort();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddServiceDefaults("qwenmesh-test", "gate-model");
        builder.Services.AddSingleton<IStartupWork>(new HeldWork(release.Task));
        await using WebApplication app = builder.Build();
        app.UseServiceDefaults();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal("ok", await http.GetStringAsync("/health"));
        using (HttpResponseMessage ready = await http.GetAsync("/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("held by the test", await ready.Content.ReadAsStringAsync());
        }
        Assert.Contains("qwenmesh:ready{model_name=\"gate-model\"} 0", await http.GetStringAsync("/metrics"));

        release.SetResult();
        HttpStatusCode status = HttpStatusCode.ServiceUnavailable;
        for (int i = 0; i < 100 && status != HttpStatusCode.OK; i++)
        {
            await Task.Delay(50);
            using HttpResponseMessage ready = await http.GetAsync("/ready");
            status = ready.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("qwenmesh:ready{model_name=\"gate-model\"} 1", await http.GetStringAsync("/metrics"));
        await app.StopAsync();
    }

}
