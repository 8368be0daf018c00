using System.Text.Json;
using System.Text.Json.Nodes;
using QwenMesh.Text;


namespace QwenMesh.Model.Config;

/// <summary>
/// Turns a HF config.json object into a <see cref="ModelConfig"/>. Qwen3.5 nests the text stack under
/// `text_config`; Qwen3-Next is flat. Every refusal names the offending field.
/// </summary>
internal static class ConfigReader
{
    public static ModelConfig Parse(JsonObject root, string path)
    {
        string modelType = root["model_type"]?.GetValue<string>() ?? "";
        string architecture = (root["architectures"] as JsonArray)?.FirstOrDefault()?.GetValue<string>() ?? modelType;
        JsonObject text = root;
        string prefix = "";
        if (root["text_config"] is JsonObject nested)
        {
            text = nested;
            prefix = "text_config.";
        }
        string textType = text["model_type"]?.GetValue<string>() ?? modelType;
        CheckpointLayout layout = textType switch
        {
            "qwen3_next" => CheckpointLayout.Qwen3Next,
            "qwen3_5_moe" or "qwen3_5_moe_text" or "qwen3_5" or "qwen3_5_text" => CheckpointLayout.Qwen3_5,
            _ => throw new ModelFormatException(
                $"{path}: {prefix}model_type '{textType}' is not supported (expected qwen3_5_moe, qwen3_5_moe_text, qwen3_5, qwen3_5_text or qwen3_next)"),
        };
        // Dense Qwen3.5 (qwen3_5): a SwiGLU MLP of intermediate_size in every layer, no experts.
        bool denseQwen35 = textType is "qwen3_5" or "qwen3_5_text";
        bool next = layout == CheckpointLayout.Qwen3Next;
        var f = new Fields(text, path, prefix);

        int layers = f.Int("num_hidden_layers", next ? 48 : 40);
        int interval = f.Int("full_attention_interval", 4);
        IReadOnlyList<LayerKind> layerTypes = f.LayerTypes(layers, interval);

        JsonObject? rope = text["rope_parameters"] as JsonObject ?? text["rope_scaling"] as JsonObject;
        string ropeType = rope?["rope_type"]?.GetValue<string>() ?? rope?["type"]?.GetValue<string>() ?? "default";
        if (ropeType is not ("default" or "mrope"))
            throw new ModelFormatException($"{path}: {prefix}rope_parameters.rope_type '{ropeType}' is not supported (only default RoPE)");
        double ropeTheta = Number(rope?["rope_theta"]) ?? f.Double("rope_theta", 10_000_000);
        double partial = Number(rope?["partial_rotary_factor"]) ?? f.Double("partial_rotary_factor", 0.25);

        int numExperts = denseQwen35 ? 0 : f.Int("num_experts", next ? 512 : 256);
        int sparseStep = f.Int("decoder_sparse_step", 1);
        var dense = new HashSet<int>(f.IntList("mlp_only_layers"));
        for (int i = 0; i < layers; i++)
        {
            // Qwen3-Next: a layer is sparse only when num_experts > 0 and (i + 1) % decoder_sparse_step == 0.
            if (numExperts == 0 || (i + 1) % sparseStep != 0) dense.Add(i);
        }

        var config = new ModelConfig
        {
            Architecture = architecture,
            Layout = layout,
            HiddenSize = f.Int("hidden_size", 2048),
            NumHiddenLayers = layers,
            LayerTypes = layerTypes,
            NumAttentionHeads = f.Int("num_attention_heads", 16),
            NumKeyValueHeads = f.Int("num_key_value_heads", 2),
            HeadDim = f.Int("head_dim", 256),
            LinearNumKeyHeads = f.Int("linear_num_key_heads", 16),
            LinearNumValueHeads = f.Int("linear_num_value_heads", 32),
            LinearKeyHeadDim = f.Int("linear_key_head_dim", 128),
            LinearValueHeadDim = f.Int("linear_value_head_dim", 128),
            LinearConvKernelDim = f.Int("linear_conv_kernel_dim", 4),
            NumExperts = numExperts,
            NumExpertsPerTok = f.Int("num_experts_per_tok", next ? 10 : 8),
            MoeIntermediateSize = f.Int("moe_intermediate_size", 512),
            SharedExpertIntermediateSize = f.Int("shared_expert_intermediate_size", 512),
            IntermediateSize = f.Int("intermediate_size", next ? 5632 : denseQwen35 ? 17408 : 512, allowZero: true),
            DenseMlpLayers = dense,
            // Qwen3.5 always renormalises the top-k weights; Qwen3-Next only when asked.
            NormTopkProb = !next || f.Bool("norm_topk_prob", true),
            VocabSize = f.Int("vocab_size", next ? 151936 : 248320),
            RmsNormEps = f.Double("rms_norm_eps", 1e-6),
            RopeTheta = ropeTheta,
            PartialRotaryFactor = partial,
            TieWordEmbeddings = f.Bool("tie_word_embeddings", false) || root["tie_word_embeddings"]?.GetValue<bool>() == true,
            MaxPositionEmbeddings = f.Int("max_position_embeddings", 262144),
            EosTokenId = EosId(text["eos_token_id"] ?? root["eos_token_id"]),
        };
        Validate(config, path, prefix);
        return config;
    }

    static void Validate(ModelConfig c, string path, string p)
    {
        void Check(bool ok, string message)
        {
            if (!ok) throw new ModelFormatException($"{path}: {message}");
        }
        Check(c.NumAttentionHeads % c.NumKeyValueHeads == 0,
            $"{p}num_attention_heads ({c.NumAttentionHeads}) must be a multiple of num_key_value_heads ({c.NumKeyValueHeads})");
        Check(c.LinearNumValueHeads % c.LinearNumKeyHeads == 0,
            $"{p}linear_num_value_heads ({c.LinearNumValueHeads}) must be a multiple of linear_num_key_heads ({c.LinearNumKeyHeads})");
        Check(c.NumExpertsPerTok <= c.NumExperts || c.DenseMlpLayers.Count == c.NumHiddenLayers,
            $"{p}num_experts_per_tok ({c.NumExpertsPerTok}) exceeds num_experts ({c.NumExperts})");
        Check(c.RotaryDim % 2 == 0 && c.RotaryDim > 0 && c.RotaryDim <= c.HeadDim,
            $"{p}partial_rotary_factor ({c.PartialRotaryFactor}) must give an even rotary size in (0, head_dim={c.HeadDim}]");
        Check(c.RmsNormEps > 0, $"{p}rms_norm_eps must be > 0");
        Check(c.RopeTheta > 0, $"{p}rope_theta must be > 0");
        Check(c.DenseMlpLayers.Count == c.NumHiddenLayers || c.MoeIntermediateSize > 0, $"{p}moe_intermediate_size must be > 0");
        Check(c.DenseMlpLayers.Count == 0 || c.IntermediateSize > 0, $"{p}intermediate_size must be > 0 when some layers are dense");
        Check(c.DenseMlpLayers.All(i => i >= 0 && i < c.NumHiddenLayers), $"{p}mlp_only_layers names a layer outside [0, num_hidden_layers)");
    }

    static double? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue(out double d) ? d : null;

    static int? EosId(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue(out int id) => id,
        JsonArray a when a.Count > 0 && a[0] is JsonValue v0 && v0.TryGetValue(out int first) => first,
        _ => null,
    };

    /// <summary>Typed access to one config object, with refusals that name the field.</summary>
    sealed class Fields(JsonObject obj, string path, string prefix)
    {
        public int Int(string name, int fallback, bool allowZero = false)
        {
            JsonNode? node = obj[name];
            if (node is null) return fallback;
            if (node is not JsonValue v || !v.TryGetValue(out long value) || value > int.MaxValue)
                throw Bad(name, $"must be an integer, got {node.ToJsonString()}");
            if (value < 0 || (value == 0 && !allowZero)) throw Bad(name, $"must be positive, got {value}");
            return (int)value;
        }

        public double Double(string name, double fallback)
        {
            JsonNode? node = obj[name];
            if (node is null) return fallback;
            if (node is not JsonValue v || !v.TryGetValue(out double value)) throw Bad(name, $"must be a number, got {node.ToJsonString()}");
            return value;
        }

        public bool Bool(string name, bool fallback)
        {
            JsonNode? node = obj[name];
            if (node is null) return fallback;
            if (node is not JsonValue v || !v.TryGetValue(out bool value)) throw Bad(name, $"must be true or false, got {node.ToJsonString()}");
            return value;
        }

        public IEnumerable<int> IntList(string name)
        {
            JsonNode? node = obj[name];
            if (node is null) return [];
            if (node is not JsonArray a) throw Bad(name, "must be a list of integers");
            return a.Select(x => x is JsonValue v && v.TryGetValue(out int i) ? i : throw Bad(name, "must be a list of integers")).ToList();
        }

        public IReadOnlyList<LayerKind> LayerTypes(int layers, int interval)
        {
            JsonNode? node = obj["layer_types"];
            if (node is null)
            {
                return Enumerable.Range(0, layers)
                    .Select(i => (i + 1) % interval == 0 ? LayerKind.FullAttention : LayerKind.LinearAttention).ToList();
            }
            if (node is not JsonArray a) throw Bad("layer_types", "must be a list");
            if (a.Count != layers) throw Bad("layer_types", $"has {a.Count} entries but num_hidden_layers is {layers}");
            return a.Select((x, i) => (x as JsonValue)?.TryGetValue(out string? s) == true ? s switch
            {
                "linear_attention" => LayerKind.LinearAttention,
                "full_attention" => LayerKind.FullAttention,
                _ => throw Bad("layer_types", $"entry {i} is '{s}' (expected linear_attention or full_attention)"),
            } : throw Bad("layer_types", $"entry {i} must be a string")).ToList();
        }

        ModelFormatException Bad(string name, string what) => new($"{path}: {prefix}{name} {what}");
    }
}
