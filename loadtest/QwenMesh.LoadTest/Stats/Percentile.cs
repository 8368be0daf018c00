namespace QwenMesh.LoadTest.Stats;

/// <summary>
/// Percentiles by linear interpolation between closest ranks (Hyndman and Fan type 7, the default of
/// numpy.percentile and of Excel's PERCENTILE.INC): for n sorted values x[0..n-1] and p in [0, 100],
/// the rank is h = (n - 1) * p / 100 and the percentile is x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]).
/// So p0 is the minimum, p100 the maximum, p50 of an even count the mean of the middle two, and a
/// single value is every percentile of itself.
/// </summary>
public static class Percentile
{
    /// <summary>The p-th percentile of values in any order; null when there are none.</summary>
    public static double? Of(IEnumerable<double> values, double p)
    {
        double[] sorted = values.ToArray();
        if (sorted.Length == 0) return null;
        Array.Sort(sorted);
        return OfSorted(sorted, p);
    }

    /// <summary>The p-th percentile of values already in ascending order.</summary>
    public static double OfSorted(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        if (double.IsNaN(p) || p < 0 || p > 100) throw new ArgumentOutOfRangeException(nameof(p), p, "must be within 0..100");
        double rank = (sorted.Count - 1) * p / 100.0;
        int below = (int)Math.Floor(rank);
        if (below >= sorted.Count - 1) return sorted[^1];
        double fraction = rank - below;
        return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
    }
}
