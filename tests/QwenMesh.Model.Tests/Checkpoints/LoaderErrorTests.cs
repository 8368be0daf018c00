using System.Text;
using System.Text.Json.Nodes;
using QwenMesh.Model.Presets;
using QwenMesh.Model.Tests.Support;
using QwenMesh.Text;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests.Checkpoints;

/// <summary>Every way a checkpoint can be broken gets a clear <see cref="ModelFormatException"/>, never a crash.</summary>
[Collection(TinyCheckpointCollection.Name)]
public sealed class LoaderErrorTests(TinyCheckpoints checkpoints) : IDisposable
{
    readonly TempFolder _temp = new();

    string Weights(string folder) => Path.Combine(folder, "model.safetensors");

    /// <summary>Rewrites the JSON header of a single-file checkpoint (the data section is kept as it is).</summary>
    static void EditHeader(string file, Action<JsonObject> edit)
    {
        byte[] bytes = File.ReadAllBytes(file);
        long length = BitConverter.ToInt64(bytes, 0);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)length))!.AsObject();
        edit(header);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        using var output = new FileStream(file, FileMode.Create);
        output.Write(BitConverter.GetBytes((long)padded));
        output.Write(json);
        output.Write(Encoding.ASCII.GetBytes(new string(' ', padded - json.Length)));
        output.Write(bytes, 8 + (int)length, bytes.Length - 8 - (int)length);
    }

    ModelFormatException LoadFails(string folder) => Assert.Throws<ModelFormatException>(() => QwenModel.Load(folder).Dispose());

    [Fact]
    public void A_missing_tensor_is_named()
    {
        string folder = checkpoints.CopyOfQwen35(_temp);
        EditHeader(Weights(folder), h => h.Remove("model.language_model.layers.1.linear_attn.A_log"));
        Assert.Contains("has no tensor 'model.language_model.layers.1.linear_attn.A_log'", LoadFails(folder).Message);
    }

    [Fact]
    public void A_wrong_shape_is_named_with_both_shapes()
    {
        string folder = checkpoints.CopyOfQwen35(_temp);
        EditHeader(Weights(folder), h =>
        {
            var entry = h["model.language_model.layers.0.linear_attn.in_proj_a.weight"]!.AsObject();
            entry["shape"] = new JsonArray(2, 2 * TinyCheckpoints.Preset.HiddenSize);   // same byte count, wrong shape
        });
        string message = LoadFails(folder).Message;
        Assert.Contains("in_proj_a.weight' has shape [2,128], expected [4,64]", message);
    }

    [Fact]
    public void An_unknown_dtype_is_named()
    {
        string folder = checkpoints.CopyOfQwen35(_temp);
        EditHeader(Weights(folder), h => h["model.language_model.norm.weight"]!["dtype"] = "I8");
        Assert.Contains("unsupported dtype 'I8'", LoadFails(folder).Message);
    }

    [Fact]
    public void A_truncated_file_is_detected_before_reading()
    {
        string folder = checkpoints.CopyOfQwen35(_temp);
        using (var f = new FileStream(Weights(folder), FileMode.Open)) f.SetLength(f.Length - 100);
        Assert.Contains("truncated", LoadFails(folder).Message);
        File.WriteAllBytes(Weights(folder), [1, 2, 3]);
        Assert.Contains("truncated", LoadFails(folder).Message);
    }

    [Fact]
    public void Missing_weights_and_broken_index_are_named()
    {
        string folder = checkpoints.CopyOfQwen35(_temp);
        File.Delete(Weights(folder));
        Assert.Contains("neither model.safetensors nor model.safetensors.index.json", LoadFails(folder).Message);
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), """{"weight_map":{"lm_head.weight":"model-00001-of-00002.safetensors"}}""");
        Assert.Contains("model-00001-of-00002.safetensors' not found", LoadFails(folder).Message);
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), "[]");
        Assert.Contains("malformed index", LoadFails(folder).Message);
    }

    [Fact]
    public void A_sharded_checkpoint_loads_like_a_single_file()
    {
        string folder = _temp.Sub("sharded");
        RandomCheckpoint.Write(folder, new RandomCheckpoint.Options(TinyCheckpoints.Preset, Seed: TinyCheckpoints.Seed, Shards: 3));
        Assert.Equal(3, Directory.GetFiles(folder, "model-*-of-00003.safetensors").Length);
        using var sharded = QwenModel.Load(folder);
        using var single = QwenModel.Load(checkpoints.Qwen35);
        using var scope = NewDisposeScope();
        using var s1 = sharded.NewState();
        using var s2 = single.NewState();
        Assert.Equal(0.0, Logits.MaxAbsDiff(sharded.Prefill(s1, [1, 2, 3], true), single.Prefill(s2, [1, 2, 3], true)));
    }

    [Fact]
    public void Vision_and_mtp_tensors_are_skipped()
    {
        string folder = checkpoints.CopyOfQwen35(_temp);
        EditHeader(Weights(folder), h =>
        {
            // Point extra names at an existing tensor's bytes: the loader must simply not ask for them.
            JsonNode norm = h["model.language_model.norm.weight"]!;
            h["model.visual.blocks.0.attn.qkv.weight"] = norm.DeepClone();
            h["mtp.fc.weight"] = norm.DeepClone();
        });
        using var model = QwenModel.Load(folder);
        Assert.Equal(TinyCheckpoints.Preset.Layers, model.Config.NumHiddenLayers);
    }

    [Fact]
    public void A_token_id_outside_the_vocabulary_is_refused()
    {
        using var model = QwenModel.Load(checkpoints.Qwen35);
        using var state = model.NewState();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Prefill(state, [1, TinyCheckpoints.Preset.VocabSize]));
        Assert.Contains("outside the vocabulary", e.Message);
        Assert.Equal(0, state.Position);
    }

    public void Dispose() => _temp.Dispose();
}
