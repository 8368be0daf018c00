using QwenMesh.Model;
using QwenMesh.Model.Config;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Bench;

/// <summary>
/// A sequence state as if <c>context</c> tokens had been consumed: K/V of that length and a filled DeltaNet
/// state, with random contents. A decode step's cost depends only on these sizes, and prefilling 32K tokens
/// through an all-full-attention model on two cores would take far longer than the benchmark itself.
/// </summary>
public static class SyntheticState
{
    public static SequenceState Create(QwenModel model, int context, Generator random)
    {
        ModelConfig c = model.Config;
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            if (c.LayerTypes[i] == LayerKind.LinearAttention)
            {
                tensors[$"layers.{i}.conv"] = randn([c.LinearConvDim, c.LinearConvKernelDim], generator: random).to(model.DType);
                tensors[$"layers.{i}.recurrent"] = randn([c.LinearNumValueHeads, c.LinearKeyHeadDim, c.LinearValueHeadDim], generator: random).Times(0.05);
            }
            else
            {
                tensors[$"layers.{i}.keys"] = randn([c.NumKeyValueHeads, context, c.HeadDim], generator: random).to(model.DType);
                tensors[$"layers.{i}.values"] = randn([c.NumKeyValueHeads, context, c.HeadDim], generator: random).to(model.DType);
            }
        }
        return SequenceState.Import(c, model.DType, context, tensors);
    }
}
