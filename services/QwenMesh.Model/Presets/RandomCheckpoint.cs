using System.Text.Json;
using System.Text.Json.Nodes;
using QwenMesh.Model.Checkpoints;
using static TorchSharp.torch;

namespace QwenMesh.Model.Presets;

/// <summary>
/// Writes a model folder in real HF format (config.json, safetensors, optional sharding) with random weights.
/// Every tensor is drawn from its own generator seeded by (seed, canonical name), so the Qwen3.5 and
/// Qwen3-Next layouts of one seed hold the same function, only stored differently. <see cref="Options.Dense"/> writes
/// a dense model (Qwen3.5's <c>qwen3_5</c>, or a Qwen3-Next whose layers are all <c>mlp_only_layers</c>): a SwiGLU
/// MLP in every layer instead of the MoE. <see cref="Options.Mtp"/> adds the multi-token-prediction block released
/// Qwen3.5 checkpoints carry (<c>mtp_num_hidden_layers</c> 1, <c>mtp.*</c> tensors with per-expert MTP experts), which
/// inference ignores and converters such as llama.cpp's expect.
/// </summary>
public static class RandomCheckpoint
{
    public sealed record Options(ModelPreset Preset, ModelLayout Layout = ModelLayout.Qwen3_5, ScalarType DType = ScalarType.Float32,
        ulong Seed = 0, int Shards = 1, string? TokenizerFolder = null, bool Dense = false, bool Mtp = false)
    {
        /// <summary>The width of a dense model's MLP.</summary>
        public int DenseIntermediateSize => Preset.MoeIntermediateSize * 4;
    }

    public static void Write(string folder, Options o)
    {
        if (o.Shards < 1) throw new ArgumentException("shards must be >= 1");
        Directory.CreateDirectory(folder);
        var planned = PlanTensors(o).ToList();
        File.WriteAllText(Path.Combine(folder, "config.json"), ConfigJson(o).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (o.Shards == 1)
        {
            SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), planned, Metadata);
        }
        else
        {
            WriteShards(folder, planned, o.Shards);
        }
        if (o.TokenizerFolder is { } tok)
        {
            foreach (string name in new[] { "tokenizer.json", "tokenizer_config.json" })
                File.Copy(Path.Combine(tok, name), Path.Combine(folder, name), overwrite: true);
        }
        else
        {
            File.WriteAllText(Path.Combine(folder, ChatMLTemplate.FileName), ChatMLTemplate.Source + "\n");
        }
    }

    static readonly Dictionary<string, string> Metadata = new() { ["format"] = "pt" };

    static void WriteShards(string folder, List<SafetensorsWriter.Planned> planned, int shards)
    {
        long Bytes(SafetensorsWriter.Planned p) => p.Shape.Aggregate(1L, (a, b) => a * b) * DTypes.ElementSize(p.DType);
        long perShard = planned.Sum(Bytes) / shards + 1;
        var groups = new List<List<SafetensorsWriter.Planned>> { new() };
        long filled = 0;
        foreach (var p in planned)
        {
            if (filled >= perShard && groups.Count < shards)
            {
                groups.Add([]);
                filled = 0;
            }
            groups[^1].Add(p);
            filled += Bytes(p);
        }
        var weightMap = new JsonObject();
        for (int i = 0; i < groups.Count; i++)
        {
            string file = $"model-{i + 1:D5}-of-{groups.Count:D5}.safetensors";
            SafetensorsWriter.Write(Path.Combine(folder, file), groups[i], Metadata);
            foreach (var p in groups[i]) weightMap[p.Name] = file;
        }
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = planned.Sum(Bytes) },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    static IEnumerable<SafetensorsWriter.Planned> PlanTensors(Options o)
    {
        var w = new RandomWeights(o.Preset, o.Seed);
        ModelPreset p = o.Preset;
        bool next = o.Layout == ModelLayout.Qwen3Next;
        string stack = next ? "model." : "model.language_model.";
        SafetensorsWriter.Planned T(string name, long[] shape, Func<Tensor> produce) => new(name, o.DType, shape, produce);

        yield return T(stack + "embed_tokens.weight", [p.VocabSize, p.HiddenSize], () => w.Embedding());
        for (int i = 0; i < p.Layers; i++)
        {
            string l = $"{stack}layers.{i}.";
            int layer = i;
            yield return T(l + "input_layernorm.weight", [p.HiddenSize], () => w.ZeroCentredNorm($"{layer}.input_norm", p.HiddenSize));
            yield return T(l + "post_attention_layernorm.weight", [p.HiddenSize], () => w.ZeroCentredNorm($"{layer}.post_norm", p.HiddenSize));
            IEnumerable<SafetensorsWriter.Planned> mixer = p.IsFullAttention(i)
                ? AttentionTensors(w, p, l + "self_attn.", $"{layer}", T)
                : next ? RandomLinearAttention.Qwen3Next(w, p, l + "linear_attn.", layer, T) : RandomLinearAttention.Qwen3_5(w, p, l + "linear_attn.", layer, T);
            foreach (var t in mixer) yield return t;
            var mlp = o.Dense ? DenseTensors(w, p, l + "mlp.", $"{layer}.mlp", o.DenseIntermediateSize, T) : MoeTensors(w, p, l + "mlp.", $"{layer}", fused: !next, T);
            foreach (var t in mlp) yield return t;
        }
        yield return T(stack + "norm.weight", [p.HiddenSize], () => w.ZeroCentredNorm("final_norm", p.HiddenSize));
        yield return T("lm_head.weight", [p.VocabSize, p.HiddenSize], () => w.Linear("lm_head", p.VocabSize, p.HiddenSize));
        if (o.Mtp)
        {
            foreach (var t in MtpTensors(w, o, T)) yield return t;
        }
    }

    // vLLM's layout: fc over [embedding norm | hidden norm], one full-attention layer with its own MLP (MoE experts
    // stored per expert), a final norm; embedding and lm_head are the trunk's.
    static IEnumerable<SafetensorsWriter.Planned> MtpTensors(RandomWeights w, Options o, Func<string, long[], Func<Tensor>, SafetensorsWriter.Planned> T)
    {
        ModelPreset p = o.Preset;
        long h = p.HiddenSize;
        yield return T("mtp.fc.weight", [h, 2 * h], () => w.Linear("mtp.fc", h, 2 * h));
        yield return T("mtp.pre_fc_norm_embedding.weight", [h], () => w.ZeroCentredNorm("mtp.embedding_norm", h));
        yield return T("mtp.pre_fc_norm_hidden.weight", [h], () => w.ZeroCentredNorm("mtp.hidden_norm", h));
        yield return T("mtp.layers.0.input_layernorm.weight", [h], () => w.ZeroCentredNorm("mtp.input_norm", h));
        yield return T("mtp.layers.0.post_attention_layernorm.weight", [h], () => w.ZeroCentredNorm("mtp.post_norm", h));
        foreach (var t in AttentionTensors(w, p, "mtp.layers.0.self_attn.", "mtp", T)) yield return t;
        var mlp = o.Dense ? DenseTensors(w, p, "mtp.layers.0.mlp.", "mtp.mlp", o.DenseIntermediateSize, T) : MoeTensors(w, p, "mtp.layers.0.mlp.", "mtp", fused: false, T);
        foreach (var t in mlp) yield return t;
        yield return T("mtp.norm.weight", [h], () => w.ZeroCentredNorm("mtp.norm", h));
    }

    static IEnumerable<SafetensorsWriter.Planned> DenseTensors(RandomWeights w, ModelPreset p, string prefix, string name, long inner,
        Func<string, long[], Func<Tensor>, SafetensorsWriter.Planned> T)
    {
        long h = p.HiddenSize;
        yield return T(prefix + "gate_proj.weight", [inner, h], () => w.Linear($"{name}.gate", inner, h));
        yield return T(prefix + "up_proj.weight", [inner, h], () => w.Linear($"{name}.up", inner, h));
        yield return T(prefix + "down_proj.weight", [h, inner], () => w.Linear($"{name}.down", h, inner));
    }

    static IEnumerable<SafetensorsWriter.Planned> AttentionTensors(RandomWeights w, ModelPreset p, string prefix, string layer,
        Func<string, long[], Func<Tensor>, SafetensorsWriter.Planned> T)
    {
        long h = p.HiddenSize, q = 2L * p.AttentionHeads * p.HeadDim, kv = (long)p.KeyValueHeads * p.HeadDim;
        yield return T(prefix + "q_proj.weight", [q, h], () => w.Linear($"{layer}.q_proj", q, h));
        yield return T(prefix + "k_proj.weight", [kv, h], () => w.Linear($"{layer}.k_proj", kv, h));
        yield return T(prefix + "v_proj.weight", [kv, h], () => w.Linear($"{layer}.v_proj", kv, h));
        yield return T(prefix + "o_proj.weight", [h, q / 2], () => w.Linear($"{layer}.o_proj", h, q / 2));
        yield return T(prefix + "q_norm.weight", [p.HeadDim], () => w.ZeroCentredNorm($"{layer}.q_norm", p.HeadDim));
        yield return T(prefix + "k_norm.weight", [p.HeadDim], () => w.ZeroCentredNorm($"{layer}.k_norm", p.HeadDim));
    }

    static IEnumerable<SafetensorsWriter.Planned> MoeTensors(RandomWeights w, ModelPreset p, string prefix, string layer, bool fused,
        Func<string, long[], Func<Tensor>, SafetensorsWriter.Planned> T)
    {
        long h = p.HiddenSize, e = p.Experts, inner = p.MoeIntermediateSize, shared = p.SharedExpertIntermediateSize;
        yield return T(prefix + "gate.weight", [e, h], () => w.Router($"{layer}.router", e, h));
        if (fused)
        {
            yield return T(prefix + "experts.gate_up_proj", [e, 2 * inner, h], () => stack(
                Enumerable.Range(0, (int)e).Select(x => cat([w.Linear($"{layer}.e{x}.gate", inner, h), w.Linear($"{layer}.e{x}.up", inner, h)], 0)), 0));
            yield return T(prefix + "experts.down_proj", [e, h, inner], () => stack(
                Enumerable.Range(0, (int)e).Select(x => w.Linear($"{layer}.e{x}.down", h, inner)), 0));
        }
        else
        {
            for (int x = 0; x < e; x++)
            {
                int expert = x;
                string ep = $"{prefix}experts.{x}.";
                yield return T(ep + "gate_proj.weight", [inner, h], () => w.Linear($"{layer}.e{expert}.gate", inner, h));
                yield return T(ep + "up_proj.weight", [inner, h], () => w.Linear($"{layer}.e{expert}.up", inner, h));
                yield return T(ep + "down_proj.weight", [h, inner], () => w.Linear($"{layer}.e{expert}.down", h, inner));
            }
        }
        yield return T(prefix + "shared_expert.gate_proj.weight", [shared, h], () => w.Linear($"{layer}.shared.gate", shared, h));
        yield return T(prefix + "shared_expert.up_proj.weight", [shared, h], () => w.Linear($"{layer}.shared.up", shared, h));
        yield return T(prefix + "shared_expert.down_proj.weight", [h, shared], () => w.Linear($"{layer}.shared.down", h, shared));
        yield return T(prefix + "shared_expert_gate.weight", [1, h], () => w.Linear($"{layer}.shared_gate", 1, h));
    }

    static JsonObject ConfigJson(Options o)
    {
        ModelPreset p = o.Preset;
        var layerTypes = new JsonArray(Enumerable.Range(0, p.Layers)
            .Select(i => (JsonNode)(p.IsFullAttention(i) ? "full_attention" : "linear_attention")).ToArray());
        string dtype = o.DType == ScalarType.BFloat16 ? "bfloat16" : "float32";
        var text = new JsonObject
        {
            ["hidden_size"] = p.HiddenSize,
            ["num_hidden_layers"] = p.Layers,
            ["layer_types"] = layerTypes,
            ["full_attention_interval"] = p.FullAttentionInterval,
            ["num_attention_heads"] = p.AttentionHeads,
            ["num_key_value_heads"] = p.KeyValueHeads,
            ["head_dim"] = p.HeadDim,
            ["linear_num_key_heads"] = p.LinearKeyHeads,
            ["linear_num_value_heads"] = p.LinearValueHeads,
            ["linear_key_head_dim"] = p.LinearKeyHeadDim,
            ["linear_value_head_dim"] = p.LinearValueHeadDim,
            ["linear_conv_kernel_dim"] = p.ConvKernel,
            ["num_experts"] = p.Experts,
            ["num_experts_per_tok"] = p.ExpertsPerToken,
            ["moe_intermediate_size"] = p.MoeIntermediateSize,
            ["shared_expert_intermediate_size"] = p.SharedExpertIntermediateSize,
            ["vocab_size"] = p.VocabSize,
            ["rms_norm_eps"] = 1e-6,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = p.MaxPositionEmbeddings,
            ["tie_word_embeddings"] = false,
            ["attention_bias"] = false,
            ["eos_token_id"] = 151645,
            ["dtype"] = dtype,
        };
        int half = (int)(p.HeadDim * 0.25) / 2;
        if (o.Mtp) text[o.Layout == ModelLayout.Qwen3Next ? "num_nextn_predict_layers" : "mtp_num_hidden_layers"] = 1;
        if (o.Layout == ModelLayout.Qwen3Next)
        {
            text["architectures"] = new JsonArray("Qwen3NextForCausalLM");
            text["model_type"] = "qwen3_next";
            text["rope_theta"] = p.RopeTheta;
            text["partial_rotary_factor"] = 0.25;
            text["norm_topk_prob"] = true;
            text["decoder_sparse_step"] = 1;
            text["mlp_only_layers"] = o.Dense ? new JsonArray(Enumerable.Range(0, p.Layers).Select(i => (JsonNode)i).ToArray()) : new JsonArray();
            text["intermediate_size"] = o.DenseIntermediateSize;
            return text;
        }
        if (o.Dense)
        {
            // Dense Qwen3.5 names no experts at all.
            foreach (string moe in new[] { "num_experts", "num_experts_per_tok", "moe_intermediate_size", "shared_expert_intermediate_size" }) text.Remove(moe);
            text["intermediate_size"] = o.DenseIntermediateSize;
        }
        text["model_type"] = o.Dense ? "qwen3_5_text" : "qwen3_5_moe_text";
        text["rope_parameters"] = new JsonObject
        {
            ["rope_type"] = "default",
            ["rope_theta"] = p.RopeTheta,
            ["partial_rotary_factor"] = 0.25,
            ["mrope_section"] = new JsonArray((half + 2) / 3, (half + 2) / 3, half - 2 * ((half + 2) / 3)),
            ["mrope_interleaved"] = true,
        };
        return new JsonObject
        {
            ["architectures"] = new JsonArray(o.Dense ? "Qwen3_5ForConditionalGeneration" : "Qwen3_5MoeForConditionalGeneration"),
            ["model_type"] = o.Dense ? "qwen3_5" : "qwen3_5_moe",
            ["tie_word_embeddings"] = false,
            ["text_config"] = text,
        };
    }
}

/// <summary>How a written checkpoint names and groups its tensors.</summary>
public enum ModelLayout { Qwen3_5, Qwen3Next }
