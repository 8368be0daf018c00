using System.Text.Json;
using System.Text.Json.Nodes;
using QwenMesh.Text;


namespace QwenMesh.Model.Config;

/// <summary>The text-stack configuration of a Qwen3.5-MoE or Qwen3-Next checkpoint, validated when read.</summary>
public sealed record ModelConfig
{
    public required string Architecture { get; init; }
    public required CheckpointLayout Layout { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required IReadOnlyList<LayerKind> LayerTypes { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int LinearNumKeyHeads { get; init; }
    public required int LinearNumValueHeads { get; init; }
    public required int LinearKeyHeadDim { get; init; }
    public required int LinearValueHeadDim { get; init; }
    public required int LinearConvKernelDim { get; init; }
    public required int NumExperts { get; init; }
    public required int NumExpertsPerTok { get; init; }
    public required int MoeIntermediateSize { get; init; }
    public required int SharedExpertIntermediateSize { get; init; }
    public required int IntermediateSize { get; init; }
    /// <summary>Layers that use a dense SwiGLU MLP instead of MoE (Qwen3-Next `mlp_only_layers` / `decoder_sparse_step`).</summary>
    public required IReadOnlySet<int> DenseMlpLayers { get; init; }
    public required bool NormTopkProb { get; init; }
    public required int VocabSize { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public required double PartialRotaryFactor { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public int? EosTokenId { get; init; }

    public int LinearKeyDim => LinearNumKeyHeads * LinearKeyHeadDim;
    public int LinearValueDim => LinearNumValueHeads * LinearValueHeadDim;
    public int LinearConvDim => 2 * LinearKeyDim + LinearValueDim;
    public int RotaryDim => (int)(HeadDim * PartialRotaryFactor);
    public int CountOf(LayerKind kind) => LayerTypes.Count(t => t == kind);

    /// <summary>Reads DIR/config.json.</summary>
    public static ModelConfig Load(string modelDir)
    {
        string path = Path.Combine(modelDir, "config.json");
        if (!Directory.Exists(modelDir)) throw new ModelFormatException($"model folder '{modelDir}' does not exist");
        if (!File.Exists(path)) throw new ModelFormatException($"'{path}' not found: a model folder needs config.json");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: malformed JSON ({e.Message})");
        }
        if (root is not JsonObject obj) throw new ModelFormatException($"{path}: top level must be a JSON object");
        return ConfigReader.Parse(obj, path);
    }
}

public enum LayerKind { LinearAttention, FullAttention }

/// <summary>How a checkpoint names and lays out its tensors.</summary>
public enum CheckpointLayout
{
    /// <summary>Qwen3.5: `model.language_model.` prefix, split in_proj_qkv/z/b/a, fused experts.</summary>
    Qwen3_5,
    /// <summary>Qwen3-Next: `model.` prefix, grouped in_proj_qkvz/ba, per-expert tensors.</summary>
    Qwen3Next,
}
