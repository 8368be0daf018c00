using QwenMesh.Model.Config;
using static TorchSharp.torch;

namespace QwenMesh.Model.Checkpoints;

/// <summary>
/// Reads the text stack's tensors by their HF names (relative to the stack's prefix), converted to the
/// compute dtype. Layers detach what they keep; anything else dies with the loader's dispose scope.
/// </summary>
public sealed class WeightSource(Checkpoint checkpoint, string prefix, ScalarType dtype)
{
    public ScalarType DType => dtype;
    public Checkpoint Checkpoint => checkpoint;

    /// <summary>Qwen3.5 nests the text stack under `model.language_model.`; Qwen3-Next and text-only exports use `model.`.</summary>
    public static WeightSource For(Checkpoint checkpoint, ScalarType dtype)
    {
        const string nested = "model.language_model.";
        string prefix = checkpoint.Contains(nested + "embed_tokens.weight") ? nested : "model.";
        return new WeightSource(checkpoint, prefix, dtype);
    }

    public bool Has(string name) => checkpoint.Contains(prefix + name);

    /// <summary>A tensor of the stack in the compute dtype, e.g. `layers.0.linear_attn.out_proj.weight`.</summary>
    public Tensor Get(string name, params long[] shape) => Absolute(prefix + name, shape);

    /// <summary>Row <paramref name="row"/> of a stack tensor of shape <paramref name="fullShape"/>, in the compute dtype.</summary>
    public Tensor GetRow(string name, long row, params long[] fullShape) => checkpoint.ReadRow(prefix + name, row, fullShape, dtype);

    /// <summary>A tensor named without the stack prefix (`lm_head.weight`).</summary>
    public Tensor Absolute(string name, params long[] shape) => checkpoint.Read(name, shape, dtype);

    /// <summary>
    /// A parameter that the reference keeps in the model dtype but uses in float32 (norm weights, A_log, dt_bias):
    /// rounding through the compute dtype first reproduces what a bf16 model sees.
    /// </summary>
    public Tensor GetAsFloat32(string name, params long[] shape)
    {
        return Get(name, shape).to(ScalarType.Float32);
    }
}
