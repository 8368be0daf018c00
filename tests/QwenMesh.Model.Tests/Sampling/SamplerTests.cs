using QwenMesh.Model.Sampling;

namespace QwenMesh.Model.Tests.Sampling;

public sealed class SamplerTests
{
    static readonly float[] Logits = Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i * 0.7) * 3).ToArray();

    static int[] Draw(SamplingParams p, int count)
    {
        var sampler = new Sampler(p);
        return Enumerable.Range(0, count).Select(_ => sampler.Next(Logits)).ToArray();
    }

    [Fact]
    public void Greedy_picks_the_largest_logit()
    {
        int best = Array.IndexOf(Logits, Logits.Max());
        Assert.All(Draw(SamplingParams.Greedy, 5), t => Assert.Equal(best, t));
        Assert.All(Draw(new SamplingParams(Temperature: 1, TopK: 1), 5), t => Assert.Equal(best, t));
        Assert.All(Draw(new SamplingParams(Temperature: 1, TopP: 1e-6), 5), t => Assert.Equal(best, t));
    }

    [Fact]
    public void A_seed_makes_sampling_reproducible_and_different_seeds_differ()
    {
        var a = Draw(new SamplingParams(Temperature: 1.5, Seed: 42), 40);
        var b = Draw(new SamplingParams(Temperature: 1.5, Seed: 42), 40);
        var c = Draw(new SamplingParams(Temperature: 1.5, Seed: 43), 40);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.True(a.Distinct().Count() > 3, "temperature 1.5 should spread draws over several tokens");
    }

    [Fact]
    public void Top_k_and_top_p_restrict_the_candidates()
    {
        var top3 = Logits.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Take(3).Select(x => x.i).ToHashSet();
        Assert.All(Draw(new SamplingParams(Temperature: 5, TopK: 3, Seed: 1), 200), t => Assert.Contains(t, top3));
        var drawn = Draw(new SamplingParams(Temperature: 5, TopK: 3, Seed: 1), 200).ToHashSet();
        Assert.Equal(top3, drawn);
        Assert.True(Draw(new SamplingParams(Temperature: 1, TopP: 0.5, Seed: 2), 200).Distinct().Count() < Logits.Length / 2);
    }

    [Theory]
    [InlineData(-1, 0, 1)]
    [InlineData(1, -2, 1)]
    [InlineData(1, 0, 0)]
    [InlineData(1, 0, 1.5)]
    public void Out_of_range_parameters_are_refused(double temperature, int topK, double topP)
    {
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplingParams(temperature, topK, topP)));
    }
}
