using System.Text;
using static TorchSharp.torch;

namespace QwenMesh.Model.Presets;

/// <summary>
/// Deterministic random tensors, each from a generator seeded by (seed, name), at scales that keep activations
/// near unit size through the stack (so logits differ visibly between positions and routing is decisive).
/// </summary>
internal sealed class RandomWeights(ModelPreset preset, ulong seed)
{
    public Tensor Normal(string name, long[] shape, double std)
    {
        using Generator g = Seeded(name);
        return randn(shape, generator: g).Times(std);
    }

    public Tensor Uniform(string name, long[] shape)
    {
        using Generator g = Seeded(name);
        return rand(shape, generator: g);
    }

    /// <summary>A [out, in] projection with 1/sqrt(in) scale.</summary>
    public Tensor Linear(string name, long outFeatures, long inFeatures) => Normal(name, [outFeatures, inFeatures], 1.0 / Math.Sqrt(inFeatures));

    public Tensor Embedding() => Normal("embed", [preset.VocabSize, preset.HiddenSize], 1.0);

    /// <summary>Zero-centred norm weights: small noise around 0, so (1 + w) is exercised rather than hidden.</summary>
    public Tensor ZeroCentredNorm(string name, long dim) => Normal(name, [dim], 0.1);

    /// <summary>Router logits with a spread of a few units, so top-k choices are clear rather than near-ties.</summary>
    public Tensor Router(string name, long experts, long hidden) => Normal(name, [experts, hidden], 3.0 / Math.Sqrt(hidden));

    Generator Seeded(string name)
    {
        // FNV-1a over the name, mixed with the seed: stable across runs and platforms.
        ulong hash = 14695981039346656037UL ^ seed;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return new Generator(hash & 0x7FFF_FFFF_FFFF_FFFFUL);
    }
}
