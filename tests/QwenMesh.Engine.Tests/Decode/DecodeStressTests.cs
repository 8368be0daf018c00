using QwenMesh.Engine.Decode;
using QwenMesh.Engine.Prefill;
using QwenMesh.Engine.State;
using QwenMesh.Engine.Tests.Support;
using QwenMesh.Model.Generation;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;

namespace QwenMesh.Engine.Tests.Decode;

/// <summary>
/// The serving path under churn, colocated as `up --prefill-workers 0` runs it: batched prefill and the decode loop
/// share the model gate, short requests join and leave a running batch, sessions resume, some clients cancel,
/// while full GCs run back to back. Every request must end as asked, with the tokens it generates alone.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class DecodeStressTests(TinyModel tiny)
{
    static readonly HashSet<int> NoStops = [];
    static readonly int[][] Prompts = [[1, 2, 3], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12], [42], Enumerable.Range(0, 70).Select(i => (i * 7) % 500).ToArray()];

    List<int> Alone(int[] prompt, int maxTokens) =>
        new SequenceGenerator(tiny.Model).Generate(new GenerationRequest(prompt, maxTokens, SamplingParams.Greedy, NoStops)).Tokens.ToList();

    [Fact]
    public async Task Churning_requests_under_gc_pressure_all_end_as_asked_with_their_own_tokens()
    {
        const int Requests = 96, InFlight = 24;
        var expected = new Dictionary<(int, int), List<int>>();
        for (int p = 0; p < Prompts.Length; p++)
            for (int max = 4; max <= 10; max++) expected[(p, max)] = Alone(Prompts[p], max);

        var store = new InMemoryStateStore();
        var gate = new ModelGate();
        await using var prefill = new PrefillQueue(new PrefillWorker(tiny.Model, tiny.Codec, store, gate, tiny.Limits), new PrefillOptions());
        using var engine = new DecodeEngine(tiny.Model, gate, new DecodeOptions { MaxBatch = 16, MaxQueued = 64 });
        using var pressure = new GcPressure();
        var handoffs = new System.Collections.Concurrent.ConcurrentBag<StateKey>();

        async Task<(int Request, List<int>? Tokens, Exception? Error)> Run(int request)
        {
            int prompt = request % Prompts.Length, max = 4 + request % 7;
            bool cancels = request % 7 == 3;
            string? session = request % 5 == 0 ? $"s{request % 3}" : null;
            using var cancel = new CancellationTokenSource();
            try
            {
                var job = new PrefillJob($"r{request}", "stress", Prompts[prompt], SamplingParams.Greedy, session, session is null ? 0 : Prompts[prompt].Length - 1);
                PrefillOutcome o = (await prefill.RunAsync([job], cancel.Token)).Single();
                StateKey key = ((StateHandoff.Published)o.Handoff).Key;
                handoffs.Add(key);
                SequenceState? state = await store.ReadAsync(key, s => tiny.Codec.ReadAsync(s), consume: true);
                Assert.NotNull(state);
                DecodeSequence sequence = engine.Submit(state, Prompts[prompt], o.FirstToken, SamplingParams.Greedy, o.SamplerDraws, max, NoStops, cancel.Token);
                var tokens = new List<int>();
                await foreach (int t in sequence.Tokens.ReadAllAsync())
                {
                    tokens.Add(t);
                    if (cancels && tokens.Count == 2) await cancel.CancelAsync();
                }
                return (request, tokens, null);
            }
            catch (OperationCanceledException) when (cancels)
            {
                return (request, null, null);
            }
            catch (Exception e)
            {
                return (request, null, e);
            }
        }

        var results = new List<(int Request, List<int>? Tokens, Exception? Error)>();
        using var slots = new SemaphoreSlim(InFlight);
        var running = Enumerable.Range(0, Requests).Select(async i =>
        {
            await slots.WaitAsync();
            try
            {
                return await Task.Run(() => Run(i));
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        results.AddRange(await Task.WhenAll(running));

        var failures = results.Where(r => r.Error is not null).Select(r => $"request {r.Request}: {r.Error!.GetType().Name}: {r.Error.Message}").ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {Requests} requests failed:\n" + string.Join("\n", failures.Take(10)));
        foreach (var (request, tokens, _) in results.Where(r => r.Tokens is not null && r.Request % 7 != 3))
            Assert.Equal(expected[(request % Prompts.Length, 4 + request % 7)], tokens);
        Assert.True(pressure.Collections > 10, $"only {pressure.Collections} collections ran during the test");
        Assert.Equal(0, engine.ReservedBytes);
        foreach (StateKey handoff in handoffs) Assert.Null(await store.TimeToLiveAsync(handoff));
    }
}
