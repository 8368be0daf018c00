using QwenMesh.LoadTest.Options;

namespace QwenMesh.LoadTest.Tests;

public sealed class OptionParserTests
{
    [Fact]
    public void Defaults_without_arguments()
    {
        LoadOptions o = OptionParser.Parse([]);
        Assert.Equal(new Uri("http://127.0.0.1:8080/v1/chat/completions"), o.ChatCompletionsUri);
        Assert.Null(o.Model);
        Assert.Equal([1], o.ConcurrencyLevels);
        Assert.Equal(0, o.Temperature);
        Assert.False(o.Json);
        Assert.False(o.MixedLoad);
    }

    [Fact]
    public void Every_option_is_read()
    {
        LoadOptions o = OptionParser.Parse(
        [
            "--url", "http://127.0.0.2:9000/api", "--model", "qwen3.5", "--concurrency", "1, 8,32", "--requests", "50",
            "--max-tokens", "64", "--prompt-words=100", "--seed", "7", "--long-prompt-words", "2000", "--long-fraction", "0.1",
            "--sessions", "--turns", "3", "--ttft-target-ms", "500", "--itl-target-ms", "40.5", "--timeout-s", "2.5",
            "--api-key", "sk-test", "--json", "--warmup", "4", "--temperature", "0.7",
        ]);
        Assert.Equal(new Uri("http://127.0.0.2:9000/api/v1/chat/completions"), o.ChatCompletionsUri);
        Assert.Equal(new Uri("http://127.0.0.2:9000/api/v1/models"), o.ModelsUri);
        Assert.Equal("qwen3.5", o.Model);
        Assert.Equal([1, 8, 32], o.ConcurrencyLevels);
        Assert.Equal(50, o.RequestsPerPhase);
        Assert.Equal(64, o.MaxTokens);
        Assert.Equal(100, o.PromptWords);
        Assert.Equal(7UL, o.Seed);
        Assert.Equal(2000, o.LongPromptWords);
        Assert.Equal(0.1, o.LongFraction);
        Assert.True(o.MixedLoad);
        Assert.True(o.Sessions);
        Assert.Equal(3, o.TurnsPerSession);
        Assert.Equal(500, o.TtftTargetMs);
        Assert.Equal(40.5, o.ItlTargetMs);
        Assert.Equal(TimeSpan.FromSeconds(2.5), o.Timeout);
        Assert.Equal("sk-test", o.ApiKey);
        Assert.True(o.Json);
        Assert.Equal(4, o.Warmup);
        Assert.Equal(0.7, o.Temperature);
    }

    [Theory]
    [InlineData("unknown option '--bogus'", "--bogus")]
    [InlineData("unexpected argument 'extra'", "extra")]
    [InlineData("--requests must be an integer from 1 to 1000000, got 'abc'", "--requests", "abc")]
    [InlineData("--requests must be an integer from 1 to 1000000, got '0'", "--requests", "0")]
    [InlineData("--requests must be an integer from 1 to 1000000, got '-3'", "--requests", "-3")]
    [InlineData("--requests needs a value", "--requests")]
    [InlineData("--model needs a value", "--model", "--json")]
    [InlineData("--json takes no value", "--json=yes")]
    [InlineData("--requests given twice", "--requests", "1", "--requests=2")]
    [InlineData("--concurrency must be a comma-separated list of integers, got '1,,8'", "--concurrency", "1,,8")]
    [InlineData("--concurrency must be an integer from 1 to 4096, got '0'", "--concurrency", "4,0")]
    [InlineData("--long-fraction must be a number from 0 to 1, got '1.5'", "--long-fraction", "1.5", "--long-prompt-words", "9")]
    [InlineData("--long-prompt-words and --long-fraction go together", "--long-prompt-words", "900")]
    [InlineData("--turns needs --sessions", "--turns", "3")]
    [InlineData("--timeout-s must be a number greater than 0", "--timeout-s", "0")]
    [InlineData("--ttft-target-ms must be a number greater than 0, got 'NaN'", "--ttft-target-ms", "NaN")]
    [InlineData("--url must be an http:// or https:// URL", "--url", "127.0.0.1:8080")]
    [InlineData("--url must be an http:// or https:// URL", "--url", "http://h/?q=1")]
    [InlineData("--api-key must not be empty", "--api-key", "")]
    public void Mistakes_are_named(string expectedStart, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => OptionParser.Parse(args));
        Assert.StartsWith(expectedStart, e.Message);
    }

    [Fact]
    public async Task Bad_arguments_print_one_stderr_line_and_exit_2()
    {
        AppRun run = await AppRun.OfAsync("--concurrency", "eight");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal(["qwenmesh-load: --concurrency must be an integer from 1 to 4096, got 'eight'"], run.StderrLines);
    }

    [Fact]
    public async Task Help_goes_to_stdout_and_exits_0()
    {
        AppRun run = await AppRun.OfAsync("--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--concurrency LIST", run.Stdout);
        Assert.Equal("", run.Stderr);
    }
}
