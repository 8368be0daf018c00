using System.Text.Json;
using Confluent.Kafka;
using QwenMesh.Metering;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Kafka;
using QwenMesh.Metering.Outbox;

namespace QwenMesh.Cli.Tests;

/// <summary>`qwenmesh usage` over an outbox folder and over Kafka, and its command-line errors.</summary>
public sealed class UsageCommandTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-usage-cli-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    static UsageEvent Event(string id, string tenant, int prompt, int completion, string accountedBy = UsageData.Engine) =>
        new(id, UsageEvent.SourceOf("decode", "0"), DateTimeOffset.UnixEpoch, new UsageData
        {
            Tenant = tenant, Model = "qwen3-tiny", PromptTokens = prompt, CompletionTokens = completion,
            Status = UsageStatus.Finished, AccountedBy = accountedBy,
        });

    static UsageEvent[] Events() =>
    [
        Event("r1", "acme", 10, 0, UsageData.Gateway), Event("r1", "acme", 10, 20), Event("r2", "acme", 4, 4),
        Event("r2", "acme", 4, 4), Event("r3", "beta", 1, 2),
    ];

    static void AssertTotals(CliRun run)
    {
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.LastLine);
        Assert.Equal(3, json.RootElement.GetProperty("events").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("duplicates").GetInt32());
        JsonElement acme = json.RootElement.GetProperty("tenants").GetProperty("acme");
        Assert.Equal(2, acme.GetProperty("requests").GetInt32());
        Assert.Equal(14, acme.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(24, acme.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("tenants").GetProperty("beta").GetProperty("completion_tokens").GetInt32());
        Assert.Matches(@"(?m)^acme\s+qwen3-tiny\s+2\s+14\s+0\s+24\s+0$", run.Stdout);
    }

    [Fact]
    public void It_totals_an_outbox_folder()
    {
        string outbox = Path.Combine(_root, "decode-0");
        Directory.CreateDirectory(outbox);
        File.WriteAllLines(Path.Combine(outbox, OutboxSegment.FileName(0)), Events().Select(e => System.Text.Encoding.UTF8.GetString(e.Encode())));
        AssertTotals(CliRun.Of("usage", "--outbox", _root, "--json"));
    }

    [Fact]
    public void It_totals_a_kafka_topic()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic(UsageTopic.Default, partitions: 2);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            foreach (UsageEvent e in Events()) producer.Produce(UsageTopic.Default, new Message<Null, byte[]> { Value = e.Encode() });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }
        string state = Path.Combine(_root, "cli-test.ids");
        AssertTotals(CliRun.Of("usage", "--kafka", cluster.BootstrapServers, "--group", "cli-test", "--state", state, "--json"));

        // A relay resending r2 after the commit, and a new request: the next run counts only the new one.
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            foreach (UsageEvent e in new[] { Event("r2", "acme", 4, 4), Event("r4", "beta", 5, 5) }) producer.Produce(UsageTopic.Default, new Message<Null, byte[]> { Value = e.Encode() });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }
        CliRun next = CliRun.Of("usage", "--kafka", cluster.BootstrapServers, "--group", "cli-test", "--state", state, "--json");
        Assert.True(next.ExitCode == 0, next.Stderr);
        using var json = JsonDocument.Parse(next.LastLine);
        Assert.Equal((1, 1), (json.RootElement.GetProperty("events").GetInt32(), json.RootElement.GetProperty("duplicates").GetInt32()));
        Assert.Equal(5, json.RootElement.GetProperty("tenants").GetProperty("beta").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public void Unreachable_kafka_is_one_error_line_and_exit_1()
    {
        string gone;
        using (var cluster = MockKafkaCluster.Start()) gone = cluster.BootstrapServers;
        CliRun run = CliRun.Of("usage", "--kafka", gone, "--timeout-s", "1");
        Assert.Equal(1, run.ExitCode);
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("qwenmesh: Kafka at ", line);
    }

    [Theory]
    [InlineData(new[] { "usage" }, "exactly one of --kafka and --outbox")]
    [InlineData(new[] { "usage", "--kafka", "h:1", "--outbox", "d" }, "exactly one of --kafka and --outbox")]
    [InlineData(new[] { "usage", "--outbox", "d", "--from-beginning" }, "go with --kafka")]
    [InlineData(new[] { "usage", "--outbox", "d", "--state", "f" }, "go with --kafka")]
    [InlineData(new[] { "usage", "--outbox", "d", "--timeout-s", "0" }, "--timeout-s must be an integer >= 1")]
    [InlineData(new[] { "usage", "--outbox", "d", "--bogus" }, "unknown option --bogus")]
    public void A_bad_command_line_is_a_usage_error(string[] args, string expected)
    {
        CliRun run = CliRun.Of(args);
        Assert.Equal(CliApp.ExitUsage, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
    }

    [Fact]
    public void A_missing_outbox_is_exit_1()
    {
        CliRun run = CliRun.Of("usage", "--outbox", Path.Combine(_root, "nope"));
        Assert.Equal(CliApp.ExitError, run.ExitCode);
        Assert.Contains("does not exist", run.Stderr);
    }
}
