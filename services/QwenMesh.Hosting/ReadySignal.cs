using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace QwenMesh.Hosting;

/// <summary>
/// The line a service prints once its model is loaded and it listens: `qwenmesh-ready url=...`. The local mesh
/// launcher waits for it instead of polling ports.
/// </summary>
public static class ReadySignal
{
    public const string Prefix = "qwenmesh-ready";

    public static void Announce(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Console.Out.WriteLine($"{Prefix} urls={string.Join(",", addresses)}");
        Console.Out.Flush();
    }
}
