using System.Text.Json.Nodes;
using QwenMesh.Model.Config;
using QwenMesh.Model.Tests.Support;
using QwenMesh.Text;

namespace QwenMesh.Model.Tests.Config;

public sealed class ModelConfigTests : IDisposable
{
    readonly TempFolder _folder = new();

    ModelConfig LoadJson(string json)
    {
        File.WriteAllText(Path.Combine(_folder.Path, "config.json"), json);
        return ModelConfig.Load(_folder.Path);
    }

    const string Qwen35 = """
        {"architectures":["Qwen3_5MoeForConditionalGeneration"],"model_type":"qwen3_5_moe",
         "text_config":{"model_type":"qwen3_5_moe_text","hidden_size":4096,"num_hidden_layers":8,"num_attention_heads":32,
           "num_key_value_heads":2,"head_dim":256,"linear_num_key_heads":16,"linear_num_value_heads":64,
           "num_experts":512,"num_experts_per_tok":10,"moe_intermediate_size":1024,"shared_expert_intermediate_size":1024,
           "vocab_size":248320,"rope_parameters":{"rope_type":"default","rope_theta":10000000,"partial_rotary_factor":0.25,
           "mrope_section":[11,11,10],"mrope_interleaved":true}},
         "vision_config":{"depth":27}}
        """;

    [Fact]
    public void Qwen3_5_nested_text_config_is_read()
    {
        ModelConfig c = LoadJson(Qwen35);
        Assert.Equal(CheckpointLayout.Qwen3_5, c.Layout);
        Assert.Equal(4096, c.HiddenSize);
        Assert.Equal(64, c.LinearNumValueHeads);
        Assert.Equal(10_000_000, c.RopeTheta);
        Assert.Equal(64, c.RotaryDim);
        Assert.True(c.NormTopkProb);
        // Derived layer types: every 4th layer is full attention.
        Assert.Equal([LayerKind.LinearAttention, LayerKind.LinearAttention, LayerKind.LinearAttention, LayerKind.FullAttention], c.LayerTypes.Take(4));
        Assert.Equal(2, c.CountOf(LayerKind.FullAttention));
    }

    [Fact]
    public void An_explicit_layer_types_list_wins_over_the_interval()
    {
        var root = JsonNode.Parse(Qwen35)!.AsObject();
        root["text_config"]!["layer_types"] = new JsonArray(Enumerable.Range(0, 8)
            .Select(i => (JsonNode)(i % 2 == 0 ? "full_attention" : "linear_attention")).ToArray());
        ModelConfig c = LoadJson(root.ToJsonString());
        Assert.Equal(LayerKind.FullAttention, c.LayerTypes[0]);
        Assert.Equal(LayerKind.LinearAttention, c.LayerTypes[3]);
    }

    [Fact]
    public void Qwen3_next_flat_config_is_read_with_its_dense_layer_fields()
    {
        ModelConfig c = LoadJson("""
            {"architectures":["Qwen3NextForCausalLM"],"model_type":"qwen3_next","hidden_size":2048,"num_hidden_layers":4,
             "rope_theta":1000000,"partial_rotary_factor":0.5,"norm_topk_prob":false,"mlp_only_layers":[1],"decoder_sparse_step":2,
             "intermediate_size":5120}
            """);
        Assert.Equal(CheckpointLayout.Qwen3Next, c.Layout);
        Assert.Equal(1_000_000, c.RopeTheta);
        Assert.Equal(128, c.RotaryDim);
        Assert.False(c.NormTopkProb);
        Assert.Equal(512, c.NumExperts);
        Assert.Equal(10, c.NumExpertsPerTok);
        // Layer 1 is listed, layers 0 and 2 fail (i + 1) % 2 == 0; layer 3 stays sparse.
        Assert.Equal(new HashSet<int> { 0, 1, 2 }, c.DenseMlpLayers);
    }

    [Theory]
    [InlineData("{not json", "malformed JSON")]
    [InlineData("""{"model_type":"llama"}""", "model_type 'llama'")]
    [InlineData("""{"model_type":"qwen3_next","num_attention_heads":6,"num_key_value_heads":4}""", "num_attention_heads (6)")]
    [InlineData("""{"model_type":"qwen3_next","linear_num_key_heads":16,"linear_num_value_heads":24}""", "linear_num_value_heads (24)")]
    [InlineData("""{"model_type":"qwen3_next","hidden_size":"big"}""", "hidden_size must be an integer")]
    [InlineData("""{"model_type":"qwen3_next","hidden_size":-4}""", "hidden_size must be positive")]
    [InlineData("""{"model_type":"qwen3_next","num_hidden_layers":2,"layer_types":["full_attention"]}""", "layer_types has 1 entries")]
    [InlineData("""{"model_type":"qwen3_next","num_hidden_layers":1,"layer_types":["sliding"]}""", "entry 0 is 'sliding'")]
    [InlineData("""{"model_type":"qwen3_next","num_experts":4,"num_experts_per_tok":8}""", "num_experts_per_tok (8)")]
    [InlineData("""{"model_type":"qwen3_next","rope_scaling":{"rope_type":"yarn","factor":4}}""", "rope_type 'yarn'")]
    [InlineData("""{"model_type":"qwen3_5_moe","text_config":{"model_type":"qwen3_5_moe_text","head_dim":4,"partial_rotary_factor":0.25}}""", "partial_rotary_factor")]
    public void A_bad_config_is_refused_with_a_message_naming_the_field(string json, string expected)
    {
        var e = Assert.Throws<ModelFormatException>(() => LoadJson(json));
        Assert.Contains(expected, e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void A_missing_folder_or_config_is_named()
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelConfig.Load(Path.Combine(_folder.Path, "nope")));
        Assert.Contains("does not exist", e.Message);
        e = Assert.Throws<ModelFormatException>(() => ModelConfig.Load(_folder.Path));
        Assert.Contains("config.json", e.Message);
    }

    public void Dispose() => _folder.Dispose();
}
