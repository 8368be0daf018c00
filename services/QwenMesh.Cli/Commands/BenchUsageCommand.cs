using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using QwenMesh.Cli.Bench;
using QwenMesh.Metering;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Kafka;
using QwenMesh.Metering.Outbox;
using QwenMesh.Metering.Relay;
using QwenMesh.ServiceDefaults.Metrics;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `bench-usage`: the usage event path on this machine's disk and a Kafka (the embedded mock cluster unless --kafka).
/// Emit: concurrent requests ending at once, each waiting for its event's fsync (group commit): events/s and the wait.
/// Drain: a full outbox relayed to Kafka: the events/s the relay sustains. Steady: events emitted at a fixed rate
/// while the relay runs and a consumer reads the topic: the delay from a request's end to its event being readable in
/// Kafka, p50/p99. The last line is one JSON object.
/// </summary>
public static class BenchUsageCommand
{
    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        bool json = o.Flag("json");
        string? kafka = o.String("kafka");
        int events = o.Int("events", min: 100) ?? 20_000;
        int rate = o.Int("rate", min: 1) ?? 200;
        int seconds = o.Int("seconds", min: 1) ?? 10;
        o.EnsureAllUsed();
        TextWriter log = json ? stderr : stdout;
        return RunAsync(kafka, events, rate, seconds, log, stdout).GetAwaiter().GetResult();
    }

    static UsageEvent Event(int i, string run) => new($"{run}-{i}", UsageEvent.SourceOf("decode", "bench"), DateTimeOffset.UtcNow, new UsageData
    {
        Tenant = $"tenant-{i % 16}",
        ApiKeyId = "key_bench",
        Model = "qwen3.5",
        PromptTokens = 512,
        CachedTokens = 128,
        CompletionTokens = 64,
        Status = UsageStatus.Finished,
        FinishReason = "stop",
        TimeToFirstTokenMs = 120,
        DurationMs = 1800,
        StartedAt = DateTimeOffset.UtcNow,
        DecodePod = "decode-0",
        PrefillPod = "prefill-0",
        AccountedBy = UsageData.Engine,
    });

    static async Task<int> RunAsync(string? kafka, int events, int rate, int seconds, TextWriter log, TextWriter stdout)
    {
        using MockKafkaCluster? embedded = kafka is null ? MockKafkaCluster.Start() : null;
        string topic = "qwenmesh.bench." + Guid.NewGuid().ToString("N")[..8];
        embedded?.CreateTopic(topic, partitions: 6);
        string brokers = embedded?.BootstrapServers ?? kafka!;
        string folder = Directory.CreateTempSubdirectory("qwenmesh-bench-usage-").FullName;
        var metrics = new UsageMetrics(new MeshMetricFactory(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry())), new MetricsOptions());
        var options = new UsageOptions { Kafka = brokers, Topic = topic };
        string run = Guid.NewGuid().ToString("N")[..8];
        log.WriteLine($"usage benchmark: outbox in {folder}, Kafka {(embedded is null ? brokers : $"embedded mock cluster {brokers}")}, topic {topic}");
        var result = new Dictionary<string, object>();
        try
        {
            await using var outbox = UsageOutbox.Open(folder, options.OutboxMaxBytes, options.SegmentBytes);

            // Emit: 64 requests at a time end and wait for their fsync'd event.
            var waits = new List<double>();
            var emit = Stopwatch.StartNew();
            for (int start = 0; start < events; start += 64)
            {
                var batch = Enumerable.Range(start, Math.Min(64, events - start)).Select(async i =>
                {
                    long t = Stopwatch.GetTimestamp();
                    if (!await outbox.AppendAsync(Event(i, run))) throw new IOException("the benchmark outbox is full");
                    return Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                });
                waits.AddRange(await Task.WhenAll(batch));
            }
            double emitRate = events / emit.Elapsed.TotalSeconds;
            result["emit_events_per_s"] = Math.Round(emitRate);
            result["emit_wait_p50_ms"] = Timing.Percentile(waits, 0.5);
            result["emit_wait_p99_ms"] = Timing.Percentile(waits, 0.99);
            log.WriteLine($"  emit (64 concurrent, fsync each commit): {emitRate:F0} events/s, wait p50 {result["emit_wait_p50_ms"]} ms, p99 {result["emit_wait_p99_ms"]} ms");

            // Drain: the relay empties the outbox.
            var relay = new KafkaRelay(outbox, options, metrics, new EmitterIdentity("decode", "bench"), NullLogger<KafkaRelay>.Instance);
            var drain = Stopwatch.StartNew();
            await relay.StartAsync(CancellationToken.None);
            while (outbox.State.Events > 0)
            {
                if (drain.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"the relay did not drain {events} events in 5 minutes");
                await Task.Delay(5);
            }
            double drainRate = events / drain.Elapsed.TotalSeconds;
            result["relay_events_per_s"] = Math.Round(drainRate);
            log.WriteLine($"  relay (outbox of {events} to Kafka, acks=all, idempotent): {drainRate:F0} events/s");

            // Steady: a fixed rate of request ends while a consumer reads the topic.
            var delays = await SteadyAsync(outbox, brokers, topic, run, events, rate, seconds);
            await relay.StopAsync(CancellationToken.None);
            result["steady_rate_per_s"] = rate;
            result["end_to_kafka_p50_ms"] = Timing.Percentile(delays, 0.5);
            result["end_to_kafka_p99_ms"] = Timing.Percentile(delays, 0.99);
            result["steady_events"] = delays.Count;
            log.WriteLine($"  steady {rate} events/s for {seconds} s: request end -> readable in Kafka p50 {result["end_to_kafka_p50_ms"]} ms, p99 {result["end_to_kafka_p99_ms"]} ms ({delays.Count} events)");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        stdout.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    /// <summary>Emits at <paramref name="rate"/> per second and returns, per event, the ms from its time to a consumer receiving it.</summary>
    static async Task<List<double>> SteadyAsync(UsageOutbox outbox, string brokers, string topic, string run, int first, int rate, int seconds)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = brokers,
            GroupId = "bench-" + run,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            FetchWaitMaxMs = 5,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        // Caught up (every assigned partition at its end) before the first timed event, so none is missed or late.
        var ended = new HashSet<int>();
        var joined = Stopwatch.StartNew();
        while ((consumer.Assignment.Count == 0 || ended.Count < consumer.Assignment.Count) && joined.Elapsed < TimeSpan.FromSeconds(60))
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: true } eof) ended.Add(eof.Partition.Value);
        DateTimeOffset steadyFrom = DateTimeOffset.UtcNow;
        int total = rate * seconds;
        var delays = new List<double>(total);
        var reading = Task.Run(() =>
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds + 30);
            while (delays.Count < total && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is not { IsPartitionEOF: false } m) continue;
                DateTimeOffset end = UsageEvent.Envelope(m.Message.Value).Time;
                if (end >= steadyFrom) delays.Add((DateTimeOffset.UtcNow - end).TotalMilliseconds);
            }
        });
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < total; i++)
        {
            TimeSpan due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            _ = outbox.AppendAsync(Event(first + i, run));
        }
        await reading;
        consumer.Close();
        return delays;
    }
}
