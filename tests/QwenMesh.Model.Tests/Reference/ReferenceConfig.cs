using System.Text.Json.Nodes;

namespace QwenMesh.Model.Tests.Reference;

/// <summary>
/// The fields of config.json the forward pass needs. Qwen3.5 nests them under text_config (model_type qwen3_5_moe)
/// or is flat (qwen3_5_moe_text); Qwen3-Next is flat (qwen3_next). Defaults are those of the HF config classes.
/// </summary>
public sealed class ReferenceConfig
{
    public required string ModelType { get; init; }
    public required bool IsQwen3Next { get; init; }
    public required int HiddenSize { get; init; }
    public required int Layers { get; init; }
    /// <summary>Per layer: true for full attention, false for Gated DeltaNet.</summary>
    public required bool[] FullAttention { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int LinearKeyHeads { get; init; }
    public required int LinearValueHeads { get; init; }
    public required int LinearKeyDim { get; init; }
    public required int LinearValueDim { get; init; }
    public required int ConvKernel { get; init; }
    public required int Experts { get; init; }
    public required int TopK { get; init; }
    public required int MoeIntermediate { get; init; }
    public required int SharedIntermediate { get; init; }
    public required int Intermediate { get; init; }
    public required bool NormTopK { get; init; }
    public required int[] MlpOnlyLayers { get; init; }
    public required int DecoderSparseStep { get; init; }
    public required int Vocab { get; init; }
    public required double Eps { get; init; }
    public required double RopeTheta { get; init; }
    public required double PartialRotaryFactor { get; init; }
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>Qwen3-Next's layer selection; Qwen3.5 has no dense layers.</summary>
    public bool IsMoe(int layer) =>
        !IsQwen3Next || (!MlpOnlyLayers.Contains(layer) && Experts > 0 && (layer + 1) % DecoderSparseStep == 0);

    public static ReferenceConfig Load(string folder)
    {
        JsonNode root = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))
            ?? throw new InvalidDataException("empty config.json");
        string type = root["model_type"]?.GetValue<string>() ?? throw new InvalidDataException("config.json has no model_type");
        JsonNode text = type switch
        {
            "qwen3_5_moe" => root["text_config"] ?? throw new InvalidDataException("qwen3_5_moe config without text_config"),
            "qwen3_5_moe_text" or "qwen3_next" => root,
            _ => throw new NotSupportedException($"model_type {type}"),
        };
        bool next = type == "qwen3_next";
        int Int(string key, int fallback) => text[key]?.GetValue<int>() ?? fallback;
        double Double(string key, double fallback) => text[key] is { } v ? v.GetValue<double>() : fallback;

        int layers = Int("num_hidden_layers", next ? 48 : 40);
        int interval = Int("full_attention_interval", 4);
        bool[] full = text["layer_types"] is JsonArray types
            ? types.Select(t => t!.GetValue<string>() switch
            {
                "full_attention" => true,
                "linear_attention" => false,
                string other => throw new NotSupportedException($"layer type {other}"),
            }).ToArray()
            : Enumerable.Range(0, layers).Select(i => (i + 1) % interval == 0).ToArray();
        if (full.Length != layers) throw new InvalidDataException($"{full.Length} layer_types for {layers} layers");

        // rope_parameters wins; a top-level value (older Qwen3-Next style) fills what it lacks.
        JsonNode? rope = text["rope_parameters"];
        double theta = rope?["rope_theta"] is { } rt ? rt.GetValue<double>() : Double("rope_theta", 10000.0);
        double partial = rope?["partial_rotary_factor"] is { } pr ? pr.GetValue<double>() : Double("partial_rotary_factor", 0.25);
        bool tie = (text["tie_word_embeddings"] ?? root["tie_word_embeddings"])?.GetValue<bool>() ?? false;

        return new ReferenceConfig
        {
            ModelType = type,
            IsQwen3Next = next,
            HiddenSize = Int("hidden_size", 2048),
            Layers = layers,
            FullAttention = full,
            Heads = Int("num_attention_heads", 16),
            KvHeads = Int("num_key_value_heads", 2),
            HeadDim = Int("head_dim", 256),
            LinearKeyHeads = Int("linear_num_key_heads", 16),
            LinearValueHeads = Int("linear_num_value_heads", 32),
            LinearKeyDim = Int("linear_key_head_dim", 128),
            LinearValueDim = Int("linear_value_head_dim", 128),
            ConvKernel = Int("linear_conv_kernel_dim", 4),
            Experts = Int("num_experts", next ? 512 : 256),
            TopK = Int("num_experts_per_tok", next ? 10 : 8),
            MoeIntermediate = Int("moe_intermediate_size", 512),
            SharedIntermediate = Int("shared_expert_intermediate_size", 512),
            Intermediate = Int("intermediate_size", 5632),
            NormTopK = !next || (text["norm_topk_prob"]?.GetValue<bool>() ?? true),
            MlpOnlyLayers = next && text["mlp_only_layers"] is JsonArray only ? only.Select(n => n!.GetValue<int>()).ToArray() : [],
            DecoderSparseStep = next ? Int("decoder_sparse_step", 1) : 1,
            Vocab = Int("vocab_size", next ? 151936 : 248320),
            Eps = Double("rms_norm_eps", 1e-6),
            RopeTheta = theta,
            PartialRotaryFactor = partial,
            TieWordEmbeddings = tie,
        };
    }
}
