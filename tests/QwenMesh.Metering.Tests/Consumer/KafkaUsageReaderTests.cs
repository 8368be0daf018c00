using System.Diagnostics;
using Confluent.Kafka;
using QwenMesh.Metering.Consumer;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Kafka;
using static QwenMesh.Metering.Tests.Consumer.ConsumerEvents;

namespace QwenMesh.Metering.Tests.Consumer;

/// <summary>The Kafka reader against an in-process cluster: totals with copies, committed offsets, rereading.</summary>
public sealed class KafkaUsageReaderTests : IDisposable
{
    readonly MockKafkaCluster _cluster = MockKafkaCluster.Start();

    public KafkaUsageReaderTests() => _cluster.CreateTopic(UsageTopic.Default, partitions: 3);

    public void Dispose() => _cluster.Dispose();

    void Produce(params byte[][] values)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers })
            .SetLogHandler((_, _) => { }).Build();
        foreach (byte[] value in values) producer.Produce(UsageTopic.Default, new Message<Null, byte[]> { Value = value });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
    }

    KafkaUsageReader Reader(bool fromBeginning = false, TextWriter? warnings = null) => new()
    {
        BootstrapServers = _cluster.BootstrapServers,
        Group = "test-group",
        FromBeginning = fromBeginning,
        Timeout = TimeSpan.FromSeconds(10),
        Warnings = warnings,
    };

    static readonly byte[][] Recorded =
    [
        Of("r1", prompt: 10, completion: 0, accountedBy: UsageData.Gateway).Encode(),
        Of("r1", prompt: 10, cached: 2, completion: 30).Encode(),
        Of("r2", prompt: 5, completion: 5).Encode(),
        Of("r2", prompt: 5, completion: 5).Encode(),
        Of("r3", tenant: "beta", model: "m2", prompt: 7, completion: 1, reasoning: 1).Encode(),
        "{garbage"u8.ToArray(),
    ];

    [Fact]
    public void It_counts_each_request_once_across_partitions()
    {
        Produce(Recorded);
        var tally = new UsageTally();
        var warnings = new StringWriter();
        Assert.Equal(6, Reader(warnings: warnings).ReadInto(tally));
        Assert.Equal(3, tally.Events);
        Assert.Equal(2, tally.Duplicates);
        Assert.Equal(1, tally.Invalid);
        Assert.Equal(new UsageTotals(2, 15, 2, 35, 0), tally.Tenants["acme"]);
        Assert.Equal(new UsageTotals(1, 7, 0, 1, 1), tally.TenantModels[("beta", "m2")]);
        Assert.Contains("not a CloudEvent", warnings.ToString());
    }

    [Fact]
    public void The_next_run_of_the_group_reads_only_what_came_since()
    {
        Produce(Recorded);
        Assert.Equal(6, Reader().ReadInto(new UsageTally()));

        Produce(Of("r4", prompt: 1, completion: 1).Encode(), Of("r2", prompt: 5, completion: 5).Encode());
        var since = new UsageTally();
        Assert.Equal(2, Reader().ReadInto(since));
        Assert.Equal(2, since.Events);
        Assert.Equal(0, since.Duplicates);
        Assert.Equal(new UsageTotals(2, 6, 0, 6, 0), since.Tenants["acme"]);
    }

    [Fact]
    public void A_run_after_everything_was_committed_reads_nothing()
    {
        Produce(Recorded);
        Assert.Equal(6, Reader().ReadInto(new UsageTally()));

        var nothing = new UsageTally();
        Assert.Equal(0, Reader().ReadInto(nothing));
        Assert.Equal("""{"events":0,"duplicates":0,"tenants":{}}""", nothing.ToJson());
    }

    [Fact]
    public void From_the_beginning_rereads_what_the_group_committed()
    {
        Produce(Recorded);
        Assert.Equal(6, Reader().ReadInto(new UsageTally()));

        var all = new UsageTally();
        Assert.Equal(6, Reader(fromBeginning: true).ReadInto(all));
        Assert.Equal(3, all.Events);
        Assert.Equal(2, all.Duplicates);
        Assert.Equal(new UsageTotals(2, 15, 2, 35, 0), all.Tenants["acme"]);
    }

    [Fact]
    public void An_empty_topic_reads_nothing()
    {
        var tally = new UsageTally();
        Assert.Equal(0, Reader().ReadInto(tally));
        Assert.Equal("""{"events":0,"duplicates":0,"tenants":{}}""", tally.ToJson());
    }

    [Fact]
    public void Unreachable_brokers_are_an_io_error_after_the_timeout()
    {
        string gone;
        using (var cluster = MockKafkaCluster.Start()) gone = cluster.BootstrapServers;
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<IOException>(() => new KafkaUsageReader { BootstrapServers = gone, Timeout = TimeSpan.FromSeconds(2) }.ReadInto(new UsageTally()));
        Assert.Contains("no partitions of topic 'qwenmesh.usage.v1' were assigned", e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 10);
    }
}
