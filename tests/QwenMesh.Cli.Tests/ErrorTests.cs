namespace QwenMesh.Cli.Tests;

/// <summary>Bad input gives one clear stderr line and a non-zero exit code, never a stack trace.</summary>
[Collection(CliCollection.Name)]
public sealed class ErrorTests(CliFixture fixture)
{
    static void AssertOneLineError(CliRun run, int code, string expected)
    {
        Assert.Equal(code, run.ExitCode);
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("qwenmesh: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    [Fact]
    public void A_missing_model_folder()
    {
        AssertOneLineError(CliRun.Of("logits", "--model", "/nonexistent/model", "--tokens", "1"), 1, "does not exist");
    }

    [Fact]
    public void A_token_id_outside_the_vocabulary()
    {
        AssertOneLineError(CliRun.Of("logits", "--model", fixture.SmallVocab, "--tokens", "1,512"), 1, "token id 512 is outside the vocabulary");
    }

    [Fact]
    public void A_malformed_config()
    {
        string folder = Path.Combine(fixture.Root, "broken-config");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"model_type":"qwen3_next","num_attention_heads":"many"}""");
        AssertOneLineError(CliRun.Of("logits", "--model", folder, "--tokens", "1"), 1, "num_attention_heads must be an integer");
    }

    [Theory]
    [InlineData(new[] { "logits", "--model", "x" }, "missing required option --tokens")]
    [InlineData(new[] { "logits", "--model", "x", "--tokens", "1,a" }, "'a' is not a token id")]
    [InlineData(new[] { "logits", "--model", "x", "--tokens", "1", "--bogus", "2" }, "unknown option --bogus")]
    [InlineData(new[] { "logits", "--model", "x", "--tokens", "1,2", "--prefill", "3" }, "--prefill 3 exceeds")]
    [InlineData(new[] { "logits", "--model", "x", "--tokens", "1", "--dtype", "fp16" }, "--dtype must be")]
    [InlineData(new[] { "generate", "--model", "x", "--max-tokens", "3" }, "exactly one of --prompt and --tokens")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "make-model", "--out", "x", "--preset", "huge" }, "unknown preset 'huge'")]
    public void A_bad_command_line_is_a_usage_error(string[] args, string expected)
    {
        CliRun run = CliRun.Of(args);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    [Fact]
    public void Tokenize_needs_a_tokenizer_json()
    {
        AssertOneLineError(CliRun.Of("tokenize", "--model", fixture.SmallVocab, "--text", "hi"), 1, "tokenizer.json' not found");
    }
}
