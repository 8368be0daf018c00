namespace QwenMesh.LoadTest.Stats;

/// <summary>
/// Jain's fairness index (Jain, Chiu and Hawe 1984) of n allocations x: (sum x)^2 / (n * sum x^2). It is 1 when
/// every x is equal and 1/n when one gets everything. Reports apply it to each tenant's served output tokens
/// divided by its weight, so a run that serves tenants in proportion to their weights scores 1.
/// </summary>
public static class JainFairness
{
    /// <summary>Null when there is nothing to compare: no allocations, or all of them zero.</summary>
    public static double? Index(IReadOnlyCollection<double> allocations)
    {
        if (allocations.Count == 0) return null;
        double sum = allocations.Sum();
        double squares = allocations.Sum(x => x * x);
        if (squares == 0) return null;
        return sum * sum / (allocations.Count * squares);
    }
}
