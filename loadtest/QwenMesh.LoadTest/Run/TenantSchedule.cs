using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Prompts;

namespace QwenMesh.LoadTest.Run;

/// <summary>
/// Decides which tenant sends each request of a phase. Counts follow the weights exactly (largest remainder:
/// each tenant gets floor(n * w / W) and the requests left over go to the largest fractions, earlier tenants
/// first on a tie); the order is a shuffle seeded by the run's seed and the phase, so one seed gives one load
/// and tenants interleave as independent clients would rather than in a fixed round robin.
/// </summary>
public sealed class TenantSchedule(IReadOnlyList<Tenant> tenants, ulong seed)
{
    /// <summary>Keeps the shuffle's random sequence apart from the prompt generator's streams (1 and 2).</summary>
    public const ulong ShuffleStream = 3;

    /// <summary>The tenant of each request index of a phase; every entry is null when the run has no tenants.</summary>
    public IReadOnlyList<Tenant?> For(int phase, int requests)
    {
        if (tenants.Count == 0) return new Tenant?[requests];
        int[] counts = Counts(tenants.Select(t => t.Weight).ToArray(), requests);
        var order = new Tenant?[requests];
        int next = 0;
        for (int t = 0; t < tenants.Count; t++)
        {
            for (int k = 0; k < counts[t]; k++) order[next++] = tenants[t];
        }
        var random = new SplitMix64(SplitMix64.Mix(seed, ShuffleStream, unchecked((ulong)phase)));
        for (int i = requests - 1; i > 0; i--)
        {
            int j = random.Below(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>How many of <paramref name="requests"/> each weight gets; they sum to <paramref name="requests"/>.</summary>
    public static int[] Counts(IReadOnlyList<double> weights, int requests)
    {
        double total = weights.Sum();
        double[] quotas = weights.Select(w => requests * w / total).ToArray();
        int[] counts = quotas.Select(q => (int)Math.Floor(q)).ToArray();
        int left = requests - counts.Sum();
        int[] byRemainder = Enumerable.Range(0, weights.Count)
            .OrderByDescending(i => quotas[i] - counts[i])
            .ThenBy(i => i)
            .ToArray();
        for (int k = 0; k < left; k++) counts[byRemainder[k % byRemainder.Length]]++;
        return counts;
    }
}
