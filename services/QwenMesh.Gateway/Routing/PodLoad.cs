using System.Collections.Concurrent;

namespace QwenMesh.Gateway.Routing;

/// <summary>
/// What each decode pod last reported about its own load in /ready (sequences running and waiting), by destination
/// address. The balancer adds this to the requests this gateway has outstanding there, so that the load sent by other
/// gateway replicas counts too.
/// </summary>
public sealed class PodLoad
{
    readonly ConcurrentDictionary<string, int> _reported = new(StringComparer.Ordinal);

    public void Report(string address, int runningPlusWaiting) => _reported[address] = runningPlusWaiting;

    public void Forget(string address) => _reported.TryRemove(address, out _);

    /// <summary>0 for a pod that has not reported yet.</summary>
    public int Reported(string address) => _reported.TryGetValue(address, out int load) ? load : 0;
}
