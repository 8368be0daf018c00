using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest.Tests;

public sealed class PercentileTests
{
    // Expected values are numpy.percentile(values, p) with its default linear method.
    [Theory]
    [InlineData(new double[] { 1, 2, 3, 4 }, 50, 2.5)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 99, 3.97)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 25, 1.75)]
    [InlineData(new double[] { 15, 20, 35, 40, 50 }, 40, 29)]
    [InlineData(new double[] { 15, 20, 35, 40, 50 }, 90, 46)]
    [InlineData(new double[] { 50, 15, 40, 20, 35 }, 50, 35)]
    [InlineData(new double[] { 7 }, 99, 7)]
    [InlineData(new double[] { 3, 1, 2 }, 0, 1)]
    [InlineData(new double[] { 3, 1, 2 }, 100, 3)]
    public void Interpolates_linearly_between_closest_ranks(double[] values, double p, double expected) =>
        Assert.Equal(expected, Percentile.Of(values, p)!.Value, precision: 9);

    [Fact]
    public void p99_of_one_to_a_hundred()
    {
        double[] values = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.Equal(99.01, Percentile.Of(values, 99)!.Value, precision: 9);
        Assert.Equal(50.5, Percentile.Of(values, 50)!.Value, precision: 9);
    }

    [Fact]
    public void No_values_have_no_percentile()
    {
        Assert.Null(Percentile.Of([], 50));
        Assert.Throws<ArgumentException>(() => Percentile.OfSorted([], 50));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Percent_outside_zero_to_hundred_is_refused(double p) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.OfSorted([1, 2], p));

    [Fact]
    public void Distribution_summarizes_unsorted_values()
    {
        Distribution d = Distribution.Of([40, 10, 30, 20])!;
        Assert.Equal(4, d.Count);
        Assert.Equal(25, d.Mean, precision: 9);
        Assert.Equal(10, d.Min);
        Assert.Equal(40, d.Max);
        Assert.Equal(25, d.P50, precision: 9);
        Assert.Equal(39.7, d.P99, precision: 9);
        Assert.Null(Distribution.Of([]));
    }
}
