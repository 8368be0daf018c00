using System.IO.Hashing;
using System.Text;

namespace QwenMesh.Gateway.Routing;

/// <summary>
/// Rendezvous (highest-random-weight) hashing: a key goes to the pod whose hash with the key is highest. Adding or
/// losing a pod moves only the keys whose highest pod changed, i.e. only that pod's share of sessions.
/// </summary>
public static class Rendezvous
{
    public static int Pick(string key, IReadOnlyList<string> pods)
    {
        int best = -1;
        ulong bestScore = 0;
        for (int i = 0; i < pods.Count; i++)
        {
            ulong score = Score(key, pods[i]);
            if (best < 0 || score > bestScore || (score == bestScore && string.CompareOrdinal(pods[i], pods[best]) < 0))
            {
                best = i;
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>A stable 64-bit hash of (key, pod): the same in every gateway replica and across restarts.</summary>
    public static ulong Score(string key, string pod) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key + "\n" + pod));
}
