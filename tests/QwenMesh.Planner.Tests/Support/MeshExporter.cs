using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace QwenMesh.Planner.Tests.Support;

/// <summary>
/// The series a mesh's pods export, as Prometheus exposition text whose counters grow at fixed rates: 2 requests/s of
/// 300-token prompts and 100-token replies in namespace <see cref="Namespace"/>, a prefill backlog, decode batches,
/// expert worker 0 routed three times worker 1's rows, and ten times all of that in another namespace that the
/// planner must not count. Prometheus scrapes it like any target.
/// </summary>
public sealed class MeshExporter : IAsyncDisposable
{
    public const string Namespace = "team-a", Other = "team-b";
    public const double RequestsPerSecond = 2, PromptTokens = 300, CompletionTokens = 100, PrefillQueue = 1000, Running = 6, Waiting = 2;

    readonly WebApplication _app;
    readonly DateTime _start = DateTime.UtcNow;

    public string Target { get; }

    MeshExporter(WebApplication app, string target) => (_app, Target) = (app, target);

    public static async Task<MeshExporter> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        MeshExporter? exporter = null;
        app.MapGet("/metrics", (HttpContext http) => Results.Text(exporter!.Exposition(), "text/plain; version=0.0.4"));
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        exporter = new MeshExporter(app, new Uri(url).Authority);
        return exporter;
    }

    string Exposition()
    {
        double t = (DateTime.UtcNow - _start).TotalSeconds + 1000;
        var text = new StringBuilder();
        void Line(string name, string labels, double value) =>
            text.Append(CultureInfo.InvariantCulture, $"{name}{{{labels}}} {value.ToString("R", CultureInfo.InvariantCulture)}\n");
        foreach (var (ns, scale) in new[] { (Namespace, 1.0), (Other, 10.0) })
        {
            string at = $"namespace=\"{ns}\",model_name=\"m\"";
            double requests = RequestsPerSecond * scale * t;
            // Two decode pods share the requests; two prefill pods the backlog.
            foreach (var pod in new[] { "decode-0", "decode-1" })
            {
                string p = $"{at},pod=\"{pod}\"";
                Line("qwenmesh:request_prompt_tokens_count", p, requests / 2);
                Line("qwenmesh:request_prompt_tokens_sum", p, requests / 2 * PromptTokens);
                Line("qwenmesh:request_generation_tokens_sum", p, requests / 2 * CompletionTokens);
                Line("qwenmesh:num_requests_running", p, Running * scale / 2);
                Line("qwenmesh:num_requests_waiting", p, Waiting * scale / 2);
                Line("qwenmesh:expert_routed_tokens_total", $"{p},worker=\"0\"", 30 * scale * t);
                Line("qwenmesh:expert_routed_tokens_total", $"{p},worker=\"1\"", 10 * scale * t);
            }
            foreach (var pod in new[] { "prefill-0", "prefill-1" })
                Line("qwenmesh:prefill_queue_tokens", $"{at},pod=\"{pod}\"", PrefillQueue * scale / 2);
        }
        return text.ToString();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
