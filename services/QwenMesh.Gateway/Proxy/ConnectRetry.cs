using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace QwenMesh.Gateway.Proxy;

/// <summary>
/// A request whose decode pod refused the connection (dead, restarting, not yet marked unhealthy by the probes) goes
/// to another pod: nothing reached the refusing pod, so resending cannot run the request twice. Other failures are
/// not retried (the pod may have started the work). Runs in YARP's pipeline before load balancing, which it re-runs
/// over the pods not yet tried; the request body is the gateway's buffered copy, so it can be sent again.
/// </summary>
public static class ConnectRetry
{
    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var proxy = context.GetReverseProxyFeature();
        // Load balancing narrows the feature's list to the pod it picked, so the pods offered are kept from before it.
        var offered = proxy.AvailableDestinations;
        var tried = new HashSet<DestinationState>();
        while (true)
        {
            await next();
            var error = context.Features.Get<IForwarderErrorFeature>();
            if (error is not { Error: ForwarderError.Request } || context.Response.HasStarted || !Refused(error.Exception)
                || proxy.ProxiedDestination is not { } failed || context.RequestAborted.IsCancellationRequested)
                return;
            tried.Add(failed);
            var remaining = offered.Where(d => !tried.Contains(d)).ToList();
            if (remaining.Count == 0) return;
            proxy.AvailableDestinations = remaining;
            proxy.ProxiedDestination = null;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            if (context.Request.Body.CanSeek) context.Request.Body.Position = 0;
        }
    }

    /// <summary>True when the pod refused the connection: the request reached nothing there.</summary>
    public static bool Refused(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable }) return true;
        return false;
    }
}
