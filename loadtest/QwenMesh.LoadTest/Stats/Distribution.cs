namespace QwenMesh.LoadTest.Stats;

/// <summary>Summary of one measured quantity over a phase; percentiles as <see cref="Percentile"/> defines them.</summary>
public sealed record Distribution(int Count, double Mean, double Min, double P50, double P90, double P99, double Max)
{
    /// <summary>Null when there is nothing to summarize, so reports print "-" rather than a made-up zero.</summary>
    public static Distribution? Of(IEnumerable<double> values)
    {
        double[] sorted = values.ToArray();
        if (sorted.Length == 0) return null;
        Array.Sort(sorted);
        return new Distribution(
            sorted.Length,
            sorted.Average(),
            sorted[0],
            Percentile.OfSorted(sorted, 50),
            Percentile.OfSorted(sorted, 90),
            Percentile.OfSorted(sorted, 99),
            sorted[^1]);
    }
}
