using QwenMesh.Model.State;
using QwenMesh.Model.Tests.Support;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests;

/// <summary>The engine's entry points agree with each other: prefill vs decode, split prefills, batches, layouts.</summary>
[Collection(TinyCheckpointCollection.Name)]
public sealed class ForwardConsistencyTests(TinyCheckpoints checkpoints)
{
    const double Tolerance = 1e-4;

    static int[] Tokens(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.Next(TinyCheckpoints.Preset.VocabSize)).ToArray();
    }

    static Tensor PrefillAll(QwenModel model, int[] tokens)
    {
        using SequenceState state = model.NewState();
        return model.Prefill(state, tokens, allLogits: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(64)]
    [InlineData(65)]
    public void Prefill_of_all_equals_prefill_of_n_then_decode_of_the_rest(int n)
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using var scope = NewDisposeScope();
        int[] tokens = Tokens(70, n);
        Tensor expected = PrefillAll(model, tokens);
        using SequenceState state = model.NewState();
        var rows = new List<Tensor> { model.Prefill(state, tokens[..n], allLogits: true) };
        foreach (int t in tokens[n..]) rows.Add(model.Decode([state], [t]));
        Logits.AssertClose(expected, cat(rows, 0), Tolerance);
        Assert.Equal(70, state.Position);
    }

    [Fact]
    public void Prefill_continuing_a_state_equals_one_prefill()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using var scope = NewDisposeScope();
        int[] tokens = Tokens(130, 2);
        Tensor expected = PrefillAll(model, tokens);
        using SequenceState state = model.NewState();
        Tensor first = model.Prefill(state, tokens[..2], allLogits: true);    // shorter than the conv kernel
        Tensor second = model.Prefill(state, tokens[2..50], allLogits: true);
        Tensor third = model.Prefill(state, tokens[50..], allLogits: true);
        Logits.AssertClose(expected, cat([first, second, third], 0), Tolerance);
    }

    [Fact]
    public void A_prompt_longer_than_one_prefill_chunk_equals_split_prefills()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using var scope = NewDisposeScope();
        int[] tokens = Tokens(QwenModel.MaxPrefillChunk + 70, 6);
        Tensor whole = PrefillAll(model, tokens);
        Assert.Equal(tokens.Length, whole.shape[0]);
        using SequenceState state = model.NewState();
        Tensor first = model.Prefill(state, tokens[..100], allLogits: true);
        Tensor rest = model.Prefill(state, tokens[100..], allLogits: true);
        Logits.AssertClose(whole, cat([first, rest], 0), Tolerance);
        using SequenceState lastOnly = model.NewState();
        Logits.AssertClose(whole[^1].unsqueeze(0), model.Prefill(lastOnly, tokens), Tolerance);
    }

    [Fact]
    public void A_batched_prefill_equals_each_sequence_prefilled_alone()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using var scope = NewDisposeScope();
        int[][] prompts = [Tokens(3, 30), Tokens(70, 31), Tokens(20, 32)];
        int[] history = Tokens(9, 33);   // the third sequence continues a state

        var alone = new List<Tensor>();
        for (int i = 0; i < prompts.Length; i++)
        {
            using SequenceState s = model.NewState();
            if (i == 2) model.Prefill(s, history);
            alone.Add(model.Prefill(s, prompts[i]));
        }
        var states = prompts.Select(_ => model.NewState()).ToList();
        model.Prefill(states[2], history);
        Tensor batched = model.Prefill(states, prompts);
        Logits.AssertClose(cat(alone, 0), batched, Tolerance);
        Assert.Equal([3, 70, 29], states.Select(s => s.Position));
        // Both continue identically afterwards.
        using SequenceState again = model.NewState();
        model.Prefill(again, prompts[1]);
        Logits.AssertClose(model.Decode([again], [7]), model.Decode([states[1]], [7]), Tolerance);
        foreach (SequenceState s in states) s.Dispose();
    }

    [Fact]
    public void A_batch_of_sequences_at_different_positions_decodes_as_each_alone()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using var scope = NewDisposeScope();
        int[][] prompts = [Tokens(5, 10), Tokens(17, 11), Tokens(66, 12)];
        int[][] continuations = [Tokens(4, 20), Tokens(4, 21), Tokens(4, 22)];

        var alone = new List<Tensor>();
        for (int s = 0; s < prompts.Length; s++)
        {
            using SequenceState state = model.NewState();
            model.Prefill(state, prompts[s]);
            alone.Add(cat(continuations[s].Select(t => model.Decode([state], [t])).ToList(), 0));
        }

        var states = prompts.Select(p =>
        {
            SequenceState st = model.NewState();
            model.Prefill(st, p);
            return st;
        }).ToList();
        var batched = prompts.Select(_ => new List<Tensor>()).ToList();
        for (int step = 0; step < 4; step++)
        {
            Tensor logits = model.Decode(states, continuations.Select(c => c[step]).ToList());
            for (int s = 0; s < states.Count; s++) batched[s].Add(logits[s].unsqueeze(0));
        }
        for (int s = 0; s < states.Count; s++)
        {
            Logits.AssertClose(alone[s], cat(batched[s], 0), Tolerance);
            states[s].Dispose();
        }
    }

    [Fact]
    public void Qwen3_next_layout_holds_the_same_function_as_qwen3_5_layout()
    {
        using var a = QwenModel.Load(checkpoints.Qwen35);
        using var b = QwenModel.Load(checkpoints.Qwen3Next);
        using var scope = NewDisposeScope();
        int[] tokens = Tokens(40, 3);
        Logits.AssertClose(PrefillAll(a, tokens), PrefillAll(b, tokens), 1e-5);
    }

    [Fact]
    public void Different_checkpoints_give_different_logits()
    {
        // Guards the comparisons above: two unrelated models must not agree within their tolerance.
        using var a = QwenModel.Load(checkpoints.Qwen35);
        using var scope = NewDisposeScope();
        using var other = new TempFolder();
        QwenMesh.Model.Presets.RandomCheckpoint.Write(other.Path, new(TinyCheckpoints.Preset, Seed: 99));
        using var b = QwenModel.Load(other.Path);
        int[] tokens = Tokens(8, 4);
        Assert.True(Logits.MaxAbsDiff(PrefillAll(a, tokens), PrefillAll(b, tokens)) > 0.1);
    }

    [Fact]
    public void Bf16_on_disk_loads_and_runs_in_both_compute_dtypes()
    {
        using var scope = NewDisposeScope();
        int[] tokens = Tokens(20, 5);
        using var f32Model = QwenModel.Load(checkpoints.Qwen35);
        Tensor reference = PrefillAll(f32Model, tokens);
        foreach (ScalarType compute in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            using var model = QwenModel.Load(checkpoints.Qwen35Bf16, compute);
            Tensor logits = PrefillAll(model, tokens);
            Assert.True(logits.isfinite().all().item<bool>());
            // Weights rounded to bf16 move logits a little, not a lot: the same model, not a broken one.
            double diff = Logits.MaxAbsDiff(reference, logits);
            Assert.True(diff < 0.5, $"bf16 ({compute}) logits differ from float32 by {diff}");
            Assert.True(diff > 0, "bf16 weights should not be bit-identical to float32 ones");
        }
    }
}
