using QwenMesh.Model.State;
using QwenMesh.Model.Tests.Support;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests.State;

[Collection(TinyCheckpointCollection.Name)]
public sealed class SequenceStateTests(TinyCheckpoints checkpoints)
{
    static int[] Tokens(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.Next(TinyCheckpoints.Preset.VocabSize)).ToArray();
    }

    [Fact]
    public void Imported_tensors_are_copied_and_checked()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using var scope = NewDisposeScope();
        using SequenceState state = model.NewState();
        model.Prefill(state, Tokens(10, 2));
        var tensors = state.Export().ToDictionary(e => e.Name, e => e.Value.clone());
        using SequenceState copy = SequenceState.Import(model.Config, model.DType, state.Position, tensors);
        foreach (Tensor t in tensors.Values) t.zero_();   // the copy must not share memory with its source
        Tensor a = model.Decode([state], [5]);
        Tensor b = model.Decode([copy], [5]);
        Assert.Equal(0.0, Logits.MaxAbsDiff(a, b));

        tensors.Remove("layers.0.recurrent");
        var e = Assert.Throws<ArgumentException>(() => SequenceState.Import(model.Config, model.DType, 10, tensors));
        Assert.Contains("layers.0.recurrent", e.Message);
    }

    [Fact]
    public void State_size_is_fixed_for_deltanet_and_grows_for_kv()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using SequenceState state = model.NewState();
        long empty = state.Bytes;
        model.Prefill(state, Tokens(10, 3)).Dispose();
        long after10 = state.Bytes;
        model.Prefill(state, Tokens(10, 4)).Dispose();
        long after20 = state.Bytes;
        var c = model.Config;
        long kvPerToken = c.CountOf(QwenMesh.Model.Config.LayerKind.FullAttention) * 2L * c.NumKeyValueHeads * c.HeadDim * 4;
        Assert.Equal(10 * kvPerToken, after10 - empty);
        Assert.Equal(10 * kvPerToken, after20 - after10);
    }

    [Fact]
    public void A_state_of_another_model_shape_is_refused()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using SequenceState state = model.NewState();
        model.Prefill(state, Tokens(3, 5)).Dispose();
        var tensors = state.Export().ToDictionary(e => e.Name, e => e.Value);
        var other = model.Config with { LinearNumValueHeads = 2 * model.Config.LinearNumValueHeads };
        Assert.Throws<ArgumentException>(() => SequenceState.Import(other, model.DType, state.Position, tensors));
    }
}
