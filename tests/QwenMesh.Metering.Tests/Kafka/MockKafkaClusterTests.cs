using System.Diagnostics;
using Confluent.Kafka;
using QwenMesh.Metering.Kafka;

namespace QwenMesh.Metering.Tests.Kafka;

/// <summary>The in-process cluster is a real Kafka to a real client: produce, consume, and a broker that goes away.</summary>
public sealed class MockKafkaClusterTests
{
    static IProducer<Null, string> Producer(string bootstrap) => new ProducerBuilder<Null, string>(new ProducerConfig
    {
        BootstrapServers = bootstrap,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
        MessageTimeoutMs = 20_000,
    }).SetLogHandler((_, _) => { }).Build();

    static List<string> ReadAll(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var values = new List<string>();
        var clock = Stopwatch.StartNew();
        while (values.Count < expected && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result) values.Add(result.Message.Value);
        }
        consumer.Close();
        return values;
    }

    [Fact]
    public void Its_bootstrap_servers_are_one_loopback_address_per_broker()
    {
        using var cluster = MockKafkaCluster.Start(brokers: 3);
        string[] brokers = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, brokers.Length);
        Assert.All(brokers, b => Assert.Matches(@"^127\.0\.0\.1:\d+$", b));
        Assert.Equal(3, brokers.Distinct().Count());
    }

    [Fact]
    public async Task What_a_producer_sends_a_consumer_reads_back()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("t", partitions: 3);
        using (var producer = Producer(cluster.BootstrapServers))
        {
            for (int i = 0; i < 30; i++) Assert.Equal(PersistenceStatus.Persisted, (await producer.ProduceAsync("t", new Message<Null, string> { Value = $"m{i}" })).Status);
        }
        List<string> read = ReadAll(cluster.BootstrapServers, "t", 30);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"m{i}").Order(), read.Order());
    }

    [Fact]
    public void A_topic_created_twice_is_refused()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("twice", partitions: 1);
        Assert.Throws<IOException>(() => cluster.CreateTopic("twice", partitions: 1));
    }

    [Fact]
    public async Task A_topic_nobody_created_is_created_when_a_producer_writes_to_it()
    {
        using var cluster = MockKafkaCluster.Start();
        using (var producer = Producer(cluster.BootstrapServers))
        {
            Assert.Equal(PersistenceStatus.Persisted, (await producer.ProduceAsync("auto", new Message<Null, string> { Value = "x" })).Status);
        }
        Assert.Equal(["x"], ReadAll(cluster.BootstrapServers, "auto", 1));
    }

    [Fact]
    public async Task A_message_sent_while_the_broker_is_down_waits_and_is_delivered_when_it_is_back()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("t", partitions: 1);
        using var producer = Producer(cluster.BootstrapServers);
        Assert.Equal(PersistenceStatus.Persisted, (await producer.ProduceAsync("t", new Message<Null, string> { Value = "before" })).Status);

        cluster.BrokerDown(1);
        Task<DeliveryResult<Null, string>> pending = producer.ProduceAsync("t", new Message<Null, string> { Value = "while-down" });
        Assert.NotSame(pending, await Task.WhenAny(pending, Task.Delay(TimeSpan.FromSeconds(2))));

        cluster.BrokerUp(1);
        var clock = Stopwatch.StartNew();
        DeliveryResult<Null, string> delivered = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 10);
        Assert.Equal(["before", "while-down"], ReadAll(cluster.BootstrapServers, "t", 2));
    }

    [Fact]
    public async Task A_message_that_outlives_its_timeout_while_the_broker_is_down_fails()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("t", partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, MessageTimeoutMs = 1500 })
            .SetLogHandler((_, _) => { }).Build();
        await producer.ProduceAsync("t", new Message<Null, string> { Value = "warm" });
        cluster.BrokerDown(1);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync("t", new Message<Null, string> { Value = "lost" }).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, e.Error.Code);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 8);
    }

    [Fact]
    public void A_disposed_cluster_refuses_calls()
    {
        var cluster = MockKafkaCluster.Start();
        cluster.Dispose();
        cluster.Dispose();
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("t", 1));
    }
}
