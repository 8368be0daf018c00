using QwenMesh.Engine.Decode;
using QwenMesh.Engine.Experts;
using QwenMesh.Engine.Tests.Support;
using QwenMesh.Model;
using QwenMesh.Model.Generation;
using QwenMesh.Model.Layers;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Tests.Decode;

/// <summary>A decode step that fails takes no innocent sequence with it: each is rebuilt from its tokens and stepped alone.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class StepRecoveryTests(TinyModel tiny) : IDisposable
{
    static readonly HashSet<int> NoStops = [];
    readonly ExpertShard _shard = ExpertShard.Load(tiny.Folder, ScalarType.Float32, Enumerable.Range(0, tiny.Model.Config.NumExperts).ToList());

    /// <summary>In-process experts that refuse what the test says, as a worker refuses a malformed or non-finite batch.</summary>
    sealed class RefusingExperts(ExpertShard shard) : IExpertExecutor
    {
        public Func<Tensor, bool> Refuse { get; set; } = _ => false;

        public Tensor Run(int layer, Tensor hidden, Tensor experts, Tensor weights)
        {
            if (Refuse(hidden)) throw new IOException("expert batch refused");
            return RoutedExperts.Run(hidden, experts, weights, (e, rows) => shard.Compute(layer, [e], [(int)rows.shape[0]], rows));
        }
    }

    List<int> Alone(int[] prompt, int maxTokens) =>
        new SequenceGenerator(tiny.Model).Generate(new GenerationRequest(prompt, maxTokens, SamplingParams.Greedy, NoStops)).Tokens.ToList();

    static DecodeSequence Submit(QwenModel model, DecodeEngine engine, int[] prompt, bool replayable, bool poisoned = false)
    {
        SequenceState state = model.NewState();
        using Tensor logits = model.Prefill(state, prompt);
        if (poisoned) state.Linear(0).Recurrent.fill_(Scalars.NegativeInfinity);
        return engine.Submit(state, replayable ? prompt : null, Sampler.ArgMax(logits[0].data<float>().ToArray()), SamplingParams.Greedy, 0, 8, NoStops, default);
    }

    static async Task<List<int>> Drain(DecodeSequence s)
    {
        var tokens = new List<int>();
        await foreach (int t in s.Tokens.ReadAllAsync()) tokens.Add(t);
        return tokens;
    }

    [Fact]
    public async Task Failed_batch_steps_are_retried_per_sequence_and_generate_what_each_generates_alone()
    {
        var experts = new RefusingExperts(_shard);
        using QwenModel model = QwenModel.Load(tiny.Folder, ScalarType.Float32, experts);
        var gate = new ModelGate();
        using var engine = new DecodeEngine(model, gate, new DecodeOptions());
        int[][] prompts = [[1, 2, 3], [7, 7, 7, 7], [300]];
        var sequences = gate.Run(() =>
        {
            // Submitted together, so their first step is batched; it meets one transient fault.
            var submitted = prompts.Select(p => Submit(model, engine, p, replayable: true)).ToList();
            int faults = 1;
            experts.Refuse = hidden => hidden.shape[0] == prompts.Length && Interlocked.Decrement(ref faults) >= 0;
            return submitted;
        });
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(Alone(prompts[i], 8), await Drain(sequences[i]));
        Assert.Equal(1, engine.RecoveredSteps);
        Assert.Equal(0, engine.ReservedBytes);
    }

    [Fact]
    public async Task A_sequence_whose_state_is_bad_fails_alone()
    {
        var experts = new RefusingExperts(_shard) { Refuse = hidden => !hidden.isfinite().all().item<bool>() };
        using QwenModel model = QwenModel.Load(tiny.Folder, ScalarType.Float32, experts);
        using var engine = new DecodeEngine(model, new ModelGate(), new DecodeOptions());
        var healthy = Submit(model, engine, [1, 2, 3], replayable: true);
        var bad = Submit(model, engine, [4, 5], replayable: false, poisoned: true);
        var other = Submit(model, engine, [6], replayable: true);
        var error = await Assert.ThrowsAsync<IOException>(() => Drain(bad));
        Assert.Contains("refused", error.Message);
        Assert.Equal(Alone([1, 2, 3], 8), await Drain(healthy));
        Assert.Equal(Alone([6], 8), await Drain(other));
    }

    public void Dispose() => _shard.Dispose();
}
