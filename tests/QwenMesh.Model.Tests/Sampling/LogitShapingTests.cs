using QwenMesh.Model.Sampling;

namespace QwenMesh.Model.Tests.Sampling;

/// <summary>Penalties, logit bias and min_p as vLLM applies them, on rows whose answer is worked out by hand.</summary>
public sealed class LogitShapingTests
{
    // Token 0 leads token 1 by 1.0, token 2 trails; the rest far behind.
    static float[] Row() => [3.0f, 2.0f, 1.0f, -5f, -5f, -5f];

    static int[] Greedy(SamplingParams p, int steps, IReadOnlyList<int>? prompt = null)
    {
        var sampler = new Sampler(p, prompt: prompt);
        return Enumerable.Range(0, steps).Select(_ => sampler.Next(Row())).ToArray();
    }

    [Fact]
    public void A_logit_bias_moves_the_choice()
    {
        Assert.Equal([4, 4], Greedy(new SamplingParams(Temperature: 0, LogitBias: new Dictionary<int, float> { [4] = 100 }), 2));
        Assert.Equal([1, 1], Greedy(new SamplingParams(Temperature: 0, LogitBias: new Dictionary<int, float> { [0] = -100 }), 2));
    }

    [Fact]
    public void A_presence_penalty_counts_a_generated_token_once()
    {
        // 0 (3.0), then 0 is at 1.5 < 2.0: 1; then 1 at 0.5, 0 at 1.5, 2 at 1.0: 0 again, and 0 stays at 1.5.
        Assert.Equal([0, 1, 0, 0], Greedy(new SamplingParams(Temperature: 0, PresencePenalty: 1.5), 4));
    }

    [Fact]
    public void A_frequency_penalty_grows_with_each_repeat()
    {
        // Each pick lowers that token by 0.6 more: 0 (3.0); 0 (2.4 > 2.0); 1 (2.0 > 1.8); 0 (1.8 > 1.4); 1 (1.4 > 1.2);
        // 0 (1.2 > 1.0 for token 2 > 0.8 for token 1).
        Assert.Equal([0, 0, 1, 0, 1, 0], Greedy(new SamplingParams(Temperature: 0, FrequencyPenalty: 0.6), 6));
    }

    [Fact]
    public void A_repetition_penalty_covers_the_prompt_and_divides_positive_logits()
    {
        // Token 0 is in the prompt: 3.0 / 2 = 1.5 < 2.0, so 1; then 1 is seen too (1.0): 0 at 1.5 leads again.
        Assert.Equal([1, 0], Greedy(new SamplingParams(Temperature: 0, RepetitionPenalty: 2), 2, prompt: [0, 5]));
        // A negative logit is multiplied: token 3 at -0.4 leads token 0 at -0.5 until the penalty makes it -0.8
        // (dividing would have made it -0.2 and kept it first).
        var bias = new Dictionary<int, float> { [0] = -3.5f, [1] = -10, [2] = -10, [3] = 4.6f };
        Assert.Equal([3], Greedy(new SamplingParams(Temperature: 0, LogitBias: bias), 1));
        Assert.Equal([0], Greedy(new SamplingParams(Temperature: 0, RepetitionPenalty: 2, LogitBias: bias), 1, prompt: [3]));
    }

    [Fact]
    public void Min_p_drops_tokens_far_below_the_best()
    {
        // At temperature 1, token 1 is e^-1 = 0.37 of token 0 and token 2 is 0.14: min_p 0.2 keeps 0 and 1 only.
        var sampler = new Sampler(new SamplingParams(Temperature: 1, MinP: 0.2, Seed: 5));
        int[] drawn = Enumerable.Range(0, 400).Select(_ => sampler.Next(Row())).ToArray();
        Assert.Equal([0, 1], drawn.Distinct().Order().ToArray());
        var open = new Sampler(new SamplingParams(Temperature: 1, Seed: 5));
        Assert.Contains(2, Enumerable.Range(0, 400).Select(_ => open.Next(Row())));
    }

    [Theory]
    [InlineData(2.5, 0, 1, 0)]
    [InlineData(0, -2.5, 1, 0)]
    [InlineData(0, 0, 0, 0)]
    [InlineData(0, 0, 2.5, 0)]
    [InlineData(0, 0, 1, 1.5)]
    public void Out_of_range_shaping_is_refused(double presence, double frequency, double repetition, double minP)
    {
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplingParams(PresencePenalty: presence, FrequencyPenalty: frequency, RepetitionPenalty: repetition, MinP: minP)));
    }
}

/// <summary>Logprobs are the raw row's log-softmax, whatever shaped the choice.</summary>
public sealed class TokenLogprobTests
{
    [Fact]
    public void The_chosen_token_and_the_top_alternatives_carry_the_rows_log_softmax()
    {
        float[] row = [1f, 3f, 2f, -1f, 3f];
        double z = Math.Log(row.Sum(v => Math.Exp(v)));
        TokenLogprob entry = TokenLogprob.Of(row, token: 2, top: 3);
        Assert.Equal(2 - z, entry.Logprob, 5);
        Assert.Equal([1, 4, 2], entry.Top.Select(t => t.Token));
        Assert.Equal(3 - z, entry.Top[0].Logprob, 5);
        Assert.Empty(TokenLogprob.Of(row, 0, 0).Top);
        Assert.Equal(5, TokenLogprob.Of(row, 0, 20).Top.Count);
    }

    [Fact]
    public void A_sampler_reports_the_raw_logprob_of_a_token_its_bias_chose()
    {
        float[] row = [3f, 0f, -2f];
        var sampler = new Sampler(new SamplingParams(Temperature: 0, LogitBias: new Dictionary<int, float> { [2] = 100 }, Logprobs: 1));
        Assert.Equal(2, sampler.Next(row));
        Assert.Equal(-2 - Math.Log(row.Sum(v => Math.Exp(v))), sampler.LastLogprob!.Logprob, 5);
        Assert.Equal(0, sampler.LastLogprob.Top[0].Token);
    }
}
