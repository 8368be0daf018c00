using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Prompts;
using QwenMesh.LoadTest.Run;

namespace QwenMesh.LoadTest.Tests;

public sealed class WorkloadTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(11)]
    [InlineData(64)]
    [InlineData(3000)]
    public void Prompts_have_exactly_the_asked_word_count(int words)
    {
        string prompt = new PromptGenerator(1).Prompt(words, PromptGenerator.FirstTurnStream, 0, 0);
        Assert.Equal(words, PromptGenerator.CountWords(prompt));
    }

    [Fact]
    public void Prompts_are_deterministic_per_seed_and_distinct_per_request()
    {
        string a = new PromptGenerator(42).Prompt(50, 1, 0, 3);
        Assert.Equal(a, new PromptGenerator(42).Prompt(50, 1, 0, 3));
        Assert.NotEqual(a, new PromptGenerator(43).Prompt(50, 1, 0, 3));
        Assert.NotEqual(a, new PromptGenerator(42).Prompt(50, 1, 0, 4));
        Assert.NotEqual(a, new PromptGenerator(42).Prompt(50, 1, 1, 3));
        Assert.Matches("^[A-Z][a-z]", a);
        Assert.EndsWith("Continue this story in detail.", a);
    }

    [Theory]
    [InlineData(0.25, 100, 25)]
    [InlineData(0.1, 32, 3)]
    [InlineData(1.0, 10, 10)]
    [InlineData(0.0, 10, 0)]
    public void Long_prompts_are_the_asked_fraction_spread_evenly(double fraction, int requests, int expectedLong)
    {
        var plan = new WorkloadPlan(new LoadOptions { PromptWords = 10, LongPromptWords = 40, LongFraction = fraction });
        bool[] isLong = Enumerable.Range(0, requests).Select(plan.IsLong).ToArray();
        Assert.Equal(expectedLong, isLong.Count(l => l));
        for (int i = 0; i < requests; i++)
        {
            (string text, bool flagged) = plan.FirstTurn(0, i);
            Assert.Equal(isLong[i], flagged);
            Assert.Equal(isLong[i] ? 40 : 10, PromptGenerator.CountWords(text));
        }
        if (expectedLong == 25) Assert.Equal(1, isLong.Take(4).Count(l => l));
    }

    [Fact]
    public void A_session_grows_by_reply_and_follow_up_then_starts_over()
    {
        var plan = new WorkloadPlan(new LoadOptions { PromptWords = 16, Sessions = true });
        var user = new VirtualUser(plan, "run-p0-u0", 0, sessions: true, turnsPerSession: 2);

        ChatTurn first = user.Next(0);
        Assert.Single(first.Messages);
        user.Record(new RequestOutcome { Succeeded = true, ReplyText = "reply one" });
        ChatTurn second = user.Next(1);
        Assert.Equal(["user", "assistant", "user"], second.Messages.Select(m => m.Role));
        Assert.Equal("reply one", second.Messages[1].Content);
        Assert.Equal(first.SessionId, second.SessionId);
        user.Record(new RequestOutcome { Succeeded = true, ReplyText = "reply two" });

        ChatTurn third = user.Next(2);
        Assert.Single(third.Messages);
        Assert.NotEqual(first.SessionId, third.SessionId);
        user.Record(RequestOutcome.Failure("500", null, 1, false));
        Assert.Single(user.Next(3).Messages);
    }
}
