using QwenMesh.Engine.Decode;
using QwenMesh.Engine.Tests.Support;
using QwenMesh.Model.Generation;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;

namespace QwenMesh.Engine.Tests.Decode;

[Collection(TinyModelCollection.Name)]
public sealed class DecodeEngineTests(TinyModel tiny)
{
    static readonly HashSet<int> NoStops = [];

    /// <summary>What one sequence generates alone, greedily, through the plain generation loop.</summary>
    List<int> Alone(int[] prompt, int maxTokens, SamplingParams sampling) =>
        new SequenceGenerator(tiny.Model).Generate(new GenerationRequest(prompt, maxTokens, sampling, NoStops)).Tokens.ToList();

    DecodeSequence SubmitPrefilled(DecodeEngine engine, int[] prompt, int maxTokens, SamplingParams sampling, CancellationToken cancellation = default)
    {
        SequenceState state = tiny.Model.NewState();
        var sampler = new Sampler(sampling);
        using var logits = tiny.Model.Prefill(state, prompt);
        int first = sampler.Next(logits[0].data<float>().ToArray());
        return engine.Submit(state, prompt, first, sampling, sampler.Draws, maxTokens, NoStops, cancellation);
    }

    static async Task<List<int>> Drain(DecodeSequence s)
    {
        var tokens = new List<int>();
        await foreach (int t in s.Tokens.ReadAllAsync()) tokens.Add(t);
        return tokens;
    }

    [Fact]
    public async Task Sequences_joining_a_running_batch_generate_what_they_generate_alone()
    {
        using var engine = new DecodeEngine(tiny.Model, new ModelGate(), new DecodeOptions());
        int[][] prompts = [[1, 2, 3], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12], [42]];
        SamplingParams[] samplings = [SamplingParams.Greedy, new(Temperature: 1.2, Seed: 5), SamplingParams.Greedy];
        var first = SubmitPrefilled(engine, prompts[0], 20, samplings[0]);
        await Task.Delay(20);   // the others join while the first is decoding
        var others = prompts.Skip(1).Select((p, i) => SubmitPrefilled(engine, p, 12, samplings[i + 1])).ToList();
        Assert.Equal(Alone(prompts[0], 20, samplings[0]), await Drain(first));
        for (int i = 0; i < others.Count; i++)
        {
            Assert.Equal(Alone(prompts[i + 1], 12, samplings[i + 1]), await Drain(others[i]));
            Assert.Equal(FinishReason.Length, others[i].Finish);
        }
        Assert.Equal(0, engine.ReservedBytes);
    }

    [Fact]
    public async Task A_stop_token_ends_the_sequence()
    {
        var expected = Alone([5, 6, 7], 10, SamplingParams.Greedy);
        using var engine = new DecodeEngine(tiny.Model, new ModelGate(), new DecodeOptions());
        SequenceState state = tiny.Model.NewState();
        using var logits = tiny.Model.Prefill(state, [5, 6, 7]);
        var s = engine.Submit(state, [5, 6, 7], Sampler.ArgMax(logits[0].data<float>().ToArray()), SamplingParams.Greedy, 0, 10, new HashSet<int> { expected[3] }, default);
        var got = await Drain(s);
        Assert.Equal(expected.Take(expected.IndexOf(expected[3]) + 1), got);
        Assert.Equal(FinishReason.Stop, s.Finish);
    }

    [Fact]
    public async Task Cancelling_a_request_releases_its_sequence_and_state()
    {
        using var engine = new DecodeEngine(tiny.Model, new ModelGate(), new DecodeOptions());
        using var cancel = new CancellationTokenSource();
        var s = SubmitPrefilled(engine, [1, 2, 3], 100_000, SamplingParams.Greedy, cancel.Token);
        await s.Tokens.ReadAsync();
        await s.Tokens.ReadAsync();
        Assert.True(engine.ReservedBytes > 0);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Drain(s));
        Assert.Equal(0, engine.ReservedBytes);
        Assert.Equal(0, engine.Running);
    }

    [Fact]
    public void A_full_queue_refuses_with_overloaded()
    {
        using var engine = new DecodeEngine(tiny.Model, new ModelGate(), new DecodeOptions { MaxQueued = 0 });
        using SequenceState state = tiny.Model.NewState();
        var e = Assert.Throws<EngineOverloadedException>(() => engine.Submit(state, null, 1, SamplingParams.Greedy, 0, 5, NoStops, default));
        Assert.True(e.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public void A_sequence_larger_than_the_memory_budget_is_refused()
    {
        using var engine = new DecodeEngine(tiny.Model, new ModelGate(), new DecodeOptions { StateMemoryBytes = 1024 });
        using SequenceState state = tiny.Model.NewState();
        Assert.Throws<ArgumentException>(() => engine.Submit(state, null, 1, SamplingParams.Greedy, 0, 5, NoStops, default));
    }
}
