using System.Text.Json;

namespace QwenMesh.Cli.Tests;

[Collection(CliCollection.Name)]
public sealed class CommandTests(CliFixture fixture)
{
    static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;

    [Fact]
    public void Logits_prints_one_row_of_vocab_size_floats_per_position()
    {
        CliRun run = CliRun.Of("logits", "--model", fixture.SmallVocab, "--tokens", "1,2,3,4,5");
        Assert.Equal(0, run.ExitCode);
        JsonElement json = Json(run.Stdout);
        Assert.Equal([1, 2, 3, 4, 5], json.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        var rows = json.GetProperty("logits").EnumerateArray().ToList();
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal(512, r.GetArrayLength()));
    }

    [Fact]
    public void Logits_with_prefill_n_matches_one_prefill()
    {
        double[][] Rows(CliRun r) => Json(r.Stdout).GetProperty("logits").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        double[][] whole = Rows(CliRun.Of("logits", "--model", fixture.SmallVocab, "--tokens", "9,8,7,6,5,4"));
        double[][] split = Rows(CliRun.Of("logits", "--model", fixture.SmallVocab, "--tokens", "9,8,7,6,5,4", "--prefill", "2"));
        double diff = whole.Zip(split).SelectMany(p => p.First.Zip(p.Second, (a, b) => Math.Abs(a - b))).Max();
        Assert.InRange(diff, 0, 1e-4);
        double[][] bf16 = Rows(CliRun.Of("logits", "--model", fixture.SmallVocab, "--tokens", "9,8,7,6,5,4", "--dtype", "bfloat16"));
        Assert.Equal(6, bf16.Length);
    }

    [Fact]
    public void Tokenize_gives_the_reference_tokenizer_ids()
    {
        CliRun run = CliRun.Of("tokenize", "--model", fixture.TokenizerFolder, "--text", "Hello 世界, this is Qwen");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("[9707,220,99489,11,419,374,1207,16948]", run.Stdout.Trim());
    }

    [Fact]
    public void Make_model_writes_a_hf_folder_with_the_tokenizer_and_a_matching_vocabulary()
    {
        Assert.True(File.Exists(Path.Combine(fixture.WithTokenizer, "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(fixture.WithTokenizer, "tokenizer_config.json")));
        var config = Json(File.ReadAllText(Path.Combine(fixture.WithTokenizer, "config.json")));
        Assert.Equal("Qwen3_5MoeForConditionalGeneration", config.GetProperty("architectures")[0].GetString());
        Assert.Equal(151936, config.GetProperty("text_config").GetProperty("vocab_size").GetInt32());
    }

    [Fact]
    public void Greedy_generate_is_deterministic_and_prints_prompt_then_generated_ids()
    {
        string[] args = ["generate", "--model", fixture.WithTokenizer, "--prompt", "Hello", "--chat", "--max-tokens", "6", "--temperature", "0", "--json"];
        CliRun first = CliRun.Of(args);
        CliRun second = CliRun.Of(args);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.LastLine, second.LastLine);
        int[] tokens = Json(first.LastLine).GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        // <|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n
        int[] prompt = [151644, 872, 198, 9707, 151645, 198, 151644, 77091, 198];
        Assert.Equal(prompt, tokens[..prompt.Length]);
        Assert.InRange(tokens.Length - prompt.Length, 1, 6);
        Assert.True(Json(first.LastLine).TryGetProperty("text", out _));
    }

    [Fact]
    public void Seeded_sampling_reproduces_and_the_seed_matters()
    {
        string[] Args(string seed) => ["generate", "--model", fixture.SmallVocab, "--tokens", "1,2,3", "--max-tokens", "12", "--temperature", "1.5", "--seed", seed, "--json"];
        string a = CliRun.Of(Args("5")).LastLine;
        Assert.Equal(a, CliRun.Of(Args("5")).LastLine);
        Assert.NotEqual(a, CliRun.Of(Args("6")).LastLine);
    }
}
