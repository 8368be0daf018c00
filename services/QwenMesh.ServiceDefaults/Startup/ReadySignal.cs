using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace QwenMesh.ServiceDefaults.Startup;

/// <summary>
/// The line a service prints once its start-up work is done and it listens: `qwenmesh-ready urls=...`. The local mesh
/// launcher waits for it instead of polling ports.
/// </summary>
public sealed class ReadySignal(IServer server)
{
    public const string Prefix = "qwenmesh-ready";

    public void Announce()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Console.Out.WriteLine($"{Prefix} urls={string.Join(",", addresses)}");
        Console.Out.Flush();
    }
}
