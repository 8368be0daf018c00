using System.Net;
using System.Net.Sockets;

namespace QwenMesh.Cli.Mesh;

/// <summary>Loopback ports nobody listens on (the OS picks them), for the mesh's internal services.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
