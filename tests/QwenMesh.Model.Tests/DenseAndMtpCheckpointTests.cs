using System.Text.Json.Nodes;
using QwenMesh.Model.Config;
using QwenMesh.Model.Presets;
using QwenMesh.Model.State;
using QwenMesh.Model.Tests.Support;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests;

/// <summary>
/// The Qwen3.5 family as it ships: dense Qwen3.5 (<c>qwen3_5</c>) loads and runs the same function as a Qwen3-Next
/// whose layers are all dense; the MTP block released checkpoints carry is written and left aside by inference;
/// Qwen3.5's 248,320-row embedding and lm_head run.
/// </summary>
public sealed class DenseAndMtpCheckpointTests
{
    static readonly ModelPreset Preset = TinyCheckpoints.Preset;

    static Tensor Logits(string folder, int[] tokens)
    {
        using var model = QwenModel.Load(folder);
        using SequenceState state = model.NewState();
        return model.Prefill(state, tokens, allLogits: true);
    }

    static readonly int[] Tokens = [3, 141, 59, 26, 5, 35, 89, 79, 32, 38, 46, 26];

    [Fact]
    public void Dense_qwen3_5_loads_as_dense_and_holds_the_function_of_an_all_dense_qwen3_next()
    {
        using var root = new TempFolder();
        string qwen35 = root.Sub("dense35"), next = root.Sub("dense-next");
        RandomCheckpoint.Write(qwen35, new(Preset, ModelLayout.Qwen3_5, Seed: 5, Dense: true));
        RandomCheckpoint.Write(next, new(Preset, ModelLayout.Qwen3Next, Seed: 5, Dense: true));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(qwen35, "config.json")))!;
        Assert.Equal("qwen3_5", config["model_type"]!.GetValue<string>());
        Assert.Equal("qwen3_5_text", config["text_config"]!["model_type"]!.GetValue<string>());
        Assert.Null(config["text_config"]!["num_experts"]);
        ModelConfig loaded = ModelConfig.Load(qwen35);
        Assert.Equal(Preset.Layers, loaded.DenseMlpLayers.Count);
        Assert.Equal(Preset.MoeIntermediateSize * 4, loaded.IntermediateSize);

        using var scope = NewDisposeScope();
        Tensor a = Logits(qwen35, Tokens), b = Logits(next, Tokens);
        Support.Logits.AssertClose(a, b, 1e-5);
        // And a dense model is not the MoE one of the same seed.
        string moe = root.Sub("moe");
        RandomCheckpoint.Write(moe, new(Preset, ModelLayout.Qwen3_5, Seed: 5));
        Assert.True(Support.Logits.MaxAbsDiff(a, Logits(moe, Tokens)) > 0.1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_mtp_block_is_written_as_released_and_inference_leaves_it_aside(bool dense)
    {
        using var root = new TempFolder();
        string plain = root.Sub("plain"), withMtp = root.Sub("mtp");
        RandomCheckpoint.Write(plain, new(Preset, Seed: 6, Dense: dense));
        RandomCheckpoint.Write(withMtp, new(Preset, Seed: 6, Dense: dense, Mtp: true));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(withMtp, "config.json")))!;
        Assert.Equal(1, config["text_config"]!["mtp_num_hidden_layers"]!.GetValue<int>());
        HashSet<string> names;
        using (var file = QwenMesh.Model.Checkpoints.SafetensorsFile.Open(Path.Combine(withMtp, "model.safetensors"))) names = file.Entries.Keys.ToHashSet();
        Assert.Contains("mtp.fc.weight", names);
        Assert.Contains("mtp.norm.weight", names);
        Assert.Contains("mtp.layers.0.self_attn.q_proj.weight", names);
        Assert.Contains(dense ? "mtp.layers.0.mlp.gate_proj.weight" : "mtp.layers.0.mlp.experts.0.gate_proj.weight", names);

        using var scope = NewDisposeScope();
        Support.Logits.AssertClose(Logits(plain, Tokens), Logits(withMtp, Tokens), 0);
    }

    [Fact]
    public void Qwen3_5s_vocabulary_size_runs_through_embedding_and_lm_head()
    {
        using var root = new TempFolder();
        string folder = root.Sub("wide");
        RandomCheckpoint.Write(folder, new(Preset with { VocabSize = 248_320, HiddenSize = 32, MoeIntermediateSize = 16, SharedExpertIntermediateSize = 16 }, Seed: 1));
        using var scope = NewDisposeScope();
        Tensor logits = Logits(folder, [0, 151_643, 248_319]);
        Assert.Equal([3L, 248_320L], logits.shape);
        Assert.True(isfinite(logits).all().item<bool>());
    }
}
