using System.Net;
using System.Net.Sockets;

namespace QwenMesh.Cli.Mesh;

/// <summary>
/// Loopback ports nobody listens on, for the mesh's internal services. They are drawn below the OS's ephemeral range:
/// a port the OS picked (bind to 0) is free only until an outgoing connection takes it as its local port, which a
/// busy machine does within the seconds a service needs to start. A port is handed out once per process.
/// </summary>
public static class FreePorts
{
    static readonly HashSet<int> Handed = [];

    public static int Next()
    {
        (int low, int high) = BelowEphemeral();
        lock (Handed)
        {
            for (int attempt = 0; attempt < 500; attempt++)
            {
                int port = Random.Shared.Next(low, high);
                if (!Handed.Contains(port) && IsFree(port) && Handed.Add(port)) return port;
            }
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux names its ephemeral range in /proc; elsewhere IANA's (49152-65535) is the usual one.
    static (int Low, int High) BelowEphemeral()
    {
        int start = 49152;
        try
        {
            string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (range.Length > 0 && int.TryParse(range[0], out int first)) start = first;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return (Math.Max(1024, start - 12_000), Math.Max(1025, start));
    }
}
