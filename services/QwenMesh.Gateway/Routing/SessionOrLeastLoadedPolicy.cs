using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace QwenMesh.Gateway.Routing;

/// <summary>
/// Picks the decode pod for a request among the healthy ones YARP offers: a request with <c>x-session-id</c> goes to
/// the session's pod by rendezvous hashing (the pod that holds the session's state when there is no shared store, and
/// its cache-warm pod when there is); any other request goes to the less loaded of two random pods (power of two
/// choices), load being this gateway's outstanding requests there plus what the pod reports running and waiting.
/// </summary>
public sealed class SessionOrLeastLoadedPolicy(PodLoad load) : ILoadBalancingPolicy
{
    public const string PolicyName = "QwenMeshSessionOrLeastLoaded";
    public const string SessionHeader = "x-session-id";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        int count = availableDestinations.Count;
        if (count == 0) return null;
        if (count == 1) return availableDestinations[0];
        if (context.Request.Headers[SessionHeader] is { Count: > 0 } session && !string.IsNullOrEmpty(session[0]))
            return availableDestinations[Rendezvous.Pick(session[0]!, [.. availableDestinations.Select(Address)])];
        int first = Random.Shared.Next(count);
        int second = Random.Shared.Next(count - 1);
        if (second >= first) second++;
        return Load(availableDestinations[first]) <= Load(availableDestinations[second]) ? availableDestinations[first] : availableDestinations[second];
    }

    int Load(DestinationState destination) => destination.ConcurrentRequestCount + load.Reported(Address(destination));

    /// <summary>A pod is named by its address, which is the same in every gateway replica (destination ids are not, after DNS expansion).</summary>
    public static string Address(DestinationState destination) => destination.Model.Config.Address;
}
