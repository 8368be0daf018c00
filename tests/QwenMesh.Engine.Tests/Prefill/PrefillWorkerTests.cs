using QwenMesh.Engine.Prefill;
using QwenMesh.Engine.State;
using QwenMesh.Engine.Tests.Support;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Tests.Prefill;

[Collection(TinyModelCollection.Name)]
public sealed class PrefillWorkerTests(TinyModel tiny)
{
    readonly InMemoryStateStore _store = new();

    PrefillWorker Worker() => new(tiny.Model, tiny.Codec, _store, new ModelGate(), tiny.Limits);

    static PrefillJob Job(int[] tokens, string? session = null, int checkpointAt = 0, string tenant = "acme") =>
        new("r-" + Guid.NewGuid().ToString("N")[..6], tenant, tokens, SamplingParams.Greedy, session, checkpointAt);

    Tensor NextLogits(StateHandoff handoff, int token)
    {
        SequenceState? state = _store.ReadAsync(((StateHandoff.Published)handoff).Key, s => tiny.Codec.ReadAsync(s), consume: true).GetAwaiter().GetResult();
        Assert.NotNull(state);
        using (state) return tiny.Model.Decode([state], [token]);
    }

    Tensor Reference(int[] tokens, int next)
    {
        using SequenceState s = tiny.Model.NewState();
        tiny.Model.Prefill(s, tokens).Dispose();
        return tiny.Model.Decode([s], [next]);
    }

    [Fact]
    public async Task A_batch_of_prompts_hands_over_states_that_continue_like_a_single_run()
    {
        int[][] prompts = [[1, 2, 3, 4], Enumerable.Range(0, 100).Select(i => i % 500).ToArray(), [77]];
        var outcomes = await Worker().RunAsync(prompts.Select(p => Job(p)).ToList());
        for (int i = 0; i < prompts.Length; i++)
        {
            using var scope = NewDisposeScope();
            using SequenceState s = tiny.Model.NewState();
            Assert.Equal(Sampler.ArgMax(tiny.Model.Prefill(s, prompts[i])[0].data<float>().ToArray()), outcomes[i].FirstToken);
            Assert.Equal(0f, (Reference(prompts[i], 5) - NextLogits(outcomes[i].Handoff, 5)).abs().max().item<float>(), 4);
            Assert.Equal(0, outcomes[i].CachedTokens);
        }
        Assert.Equal(0, _store.Count);   // handoffs consumed
    }

    [Fact]
    public async Task A_follow_up_turn_resumes_from_the_session_checkpoint()
    {
        int[] turn1 = [10, 11, 12, 13, 14, 15, 16];          // checkpoint after 5 (end of the user turn)
        var first = await Worker().RunAsync([Job(turn1, "s1", checkpointAt: 5)]);
        Assert.Equal(0, first[0].CachedTokens);
        await _store.DeleteAsync(((StateHandoff.Published)first[0].Handoff).Key);

        int[] turn2 = [.. turn1[..5], 20, 21, 22, 23, 24, 25];  // extends the checkpoint, not turn 1's tail
        var second = await Worker().RunAsync([Job(turn2, "s1", checkpointAt: 9)]);
        Assert.Equal(5, second[0].CachedTokens);
        using var scope = NewDisposeScope();
        Assert.Equal(0f, (Reference(turn2, 3) - NextLogits(second[0].Handoff, 3)).abs().max().item<float>(), 4);

        // Another tenant with the same session id starts from scratch.
        var other = await Worker().RunAsync([Job(turn2, "s1", checkpointAt: 9, tenant: "globex")]);
        Assert.Equal(0, other[0].CachedTokens);
        // A prompt that does not extend the checkpoint falls back to a full prefill.
        var diverged = await Worker().RunAsync([Job([10, 11, 99, 98, 97, 96], "s1")]);
        Assert.Equal(0, diverged[0].CachedTokens);
    }

    [Fact]
    public async Task An_in_process_handoff_is_the_state_itself_and_stores_nothing()
    {
        int[] prompt = [3, 1, 4, 1, 5, 9, 2, 6];
        var outcome = (await Worker().RunAsync([Job(prompt) with { Deliver = true }]))[0];
        var handoff = Assert.IsType<StateHandoff.Delivered>(outcome.Handoff);
        Assert.Equal(0, _store.Count);
        using var scope = NewDisposeScope();
        using (SequenceState state = handoff.State)
        {
            Assert.Equal(prompt.Length, state.Position);
            Assert.Equal(0f, (Reference(prompt, 7) - tiny.Model.Decode([state], [7])).abs().max().item<float>(), 4);
        }
    }

    [Fact]
    public async Task An_out_of_vocabulary_token_is_refused_before_any_work()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Worker().RunAsync([Job([1, 512])]));
        Assert.Contains("outside the vocabulary", e.Message);
    }
}
