using Microsoft.Extensions.Logging.Abstractions;
using QwenMesh.Metering.Consumer;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Kafka;
using QwenMesh.Metering.Outbox;
using QwenMesh.Metering.Relay;
using QwenMesh.Metering.Tests.Support;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Metering.Tests.Relay;

/// <summary>The relay drains the outbox to Kafka, keeps events through an outage, and moves the cursor only for what Kafka acknowledged.</summary>
public sealed class KafkaRelayTests : IAsyncLifetime
{
    readonly string _folder = Directory.CreateTempSubdirectory("qwenmesh-relay-test-").FullName;
    readonly KafkaBroker _broker = new();

    public Task InitializeAsync() => _broker.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    static UsageEvent Event(string id, string tenant, int prompt) => new(id, UsageEvent.SourceOf("decode", "d0"), DateTimeOffset.UtcNow,
        new UsageData { Tenant = tenant, Model = "m", PromptTokens = prompt, CompletionTokens = 1, Status = UsageStatus.Finished, AccountedBy = UsageData.Engine });

    static UsageMetrics Metrics() => new(new MeshMetricFactory(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry())), new MetricsOptions());

    KafkaRelay Relay(UsageOutbox outbox, string topic, int batch = 50) =>
        new(outbox, new UsageOptions { Kafka = _broker.BootstrapServers, Topic = topic, RelayBatch = batch, RelayMaxBackoffSeconds = 1 }, Metrics(),
            new EmitterIdentity("decode", "d0"), NullLogger<KafkaRelay>.Instance);

    UsageTally Read(string topic, string group)
    {
        var tally = new UsageTally();
        new KafkaUsageReader { BootstrapServers = _broker.BootstrapServers, Topic = topic, Group = group, FromBeginning = true }.ReadInto(tally);
        return tally;
    }

    static async Task Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Every_event_in_the_outbox_reaches_the_topic_keyed_by_tenant_and_the_outbox_empties()
    {
        string topic = "usage-" + Guid.NewGuid().ToString("N");
        _broker.Mock?.CreateTopic(topic, partitions: 3);
        await using var outbox = UsageOutbox.Open(_folder, 1 << 20, 1 << 20);
        for (int i = 0; i < 240; i++) Assert.True(await outbox.AppendAsync(Event($"r{i}", $"tenant-{i % 4}", i)));
        KafkaRelay relay = Relay(outbox, topic);
        await relay.StartAsync(CancellationToken.None);
        await Until(() => outbox.State.Events == 0, TimeSpan.FromSeconds(30), $"the outbox is delivered ({_broker.How})");
        for (int i = 240; i < 260; i++) Assert.True(await outbox.AppendAsync(Event($"r{i}", $"tenant-{i % 4}", i)));
        await Until(() => outbox.State.Events == 0, TimeSpan.FromSeconds(30), "events appended while running are delivered");
        await relay.StopAsync(CancellationToken.None);

        UsageTally tally = Read(topic, "relay-test");
        Assert.Equal(260, tally.Events);
        Assert.Equal(0, tally.Duplicates);
        Assert.Equal(Enumerable.Range(0, 260).Where(i => i % 4 == 1).Sum(), tally.Tenants["tenant-1"].PromptTokens);
    }

    [Fact]
    public async Task While_the_broker_is_down_events_wait_in_the_outbox_and_all_arrive_when_it_is_back()
    {
        MockKafkaCluster cluster = _broker.Mock ?? MockKafkaCluster.Start();
        try
        {
            string topic = "usage-" + Guid.NewGuid().ToString("N");
            cluster.CreateTopic(topic, partitions: 2);
            await using var outbox = UsageOutbox.Open(_folder, 1 << 20, 1 << 20);
            var relay = new KafkaRelay(outbox, new UsageOptions { Kafka = cluster.BootstrapServers, Topic = topic, RelayBatch = 20, RelayMaxBackoffSeconds = 1 }, Metrics(),
                new EmitterIdentity("decode", "d0"), NullLogger<KafkaRelay>.Instance);
            await relay.StartAsync(CancellationToken.None);
            Assert.True(await outbox.AppendAsync(Event("before", "a", 1)));
            await Until(() => outbox.State.Events == 0, TimeSpan.FromSeconds(30), "the first event is delivered");

            cluster.BrokerDown(1);
            for (int i = 0; i < 50; i++) Assert.True(await outbox.AppendAsync(Event($"during-{i}", "a", 1)));
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(50, outbox.State.Events);
            Assert.NotNull(outbox.State.OldestEvent);

            cluster.BrokerUp(1);
            await Until(() => outbox.State.Events == 0, TimeSpan.FromSeconds(60), "the outbox drains after the broker is back");
            await relay.StopAsync(CancellationToken.None);
            var tally = new UsageTally();
            new KafkaUsageReader { BootstrapServers = cluster.BootstrapServers, Topic = topic, Group = "outage", FromBeginning = true }.ReadInto(tally);
            Assert.Equal(51, tally.Events);
        }
        finally
        {
            if (_broker.Mock is null) cluster.Dispose();
        }
    }

    [Fact]
    public async Task Events_left_undelivered_by_a_stopped_relay_are_delivered_by_the_next()
    {
        string topic = "usage-" + Guid.NewGuid().ToString("N");
        _broker.Mock?.CreateTopic(topic, partitions: 1);
        await using (var outbox = UsageOutbox.Open(_folder, 1 << 20, 1 << 20))
            for (int i = 0; i < 30; i++) Assert.True(await outbox.AppendAsync(Event($"r{i}", "a", 1)));
        await using (var reopened = UsageOutbox.Open(_folder, 1 << 20, 1 << 20))
        {
            Assert.Equal(30, reopened.State.Events);
            KafkaRelay relay = Relay(reopened, topic, batch: 7);
            await relay.StartAsync(CancellationToken.None);
            await Until(() => reopened.State.Events == 0, TimeSpan.FromSeconds(30), "the reopened outbox is delivered");
            await relay.StopAsync(CancellationToken.None);
        }
        Assert.Equal(30, Read(topic, "restart").Events);
    }
}
