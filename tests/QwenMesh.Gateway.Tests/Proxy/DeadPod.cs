using System.Net;
using System.Net.Sockets;

namespace QwenMesh.Gateway.Tests.Proxy;

/// <summary>
/// An address where a pod is dead: the port is bound but never listened on, so every connection is refused at once,
/// and, held for the test's lifetime, it cannot be taken by a server of a test running alongside (a port merely
/// found free and released can be, and then the "dead" pod answers).
/// </summary>
public sealed class DeadPod : IDisposable
{
    readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public DeadPod() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}";

    public void Dispose() => _socket.Dispose();
}
