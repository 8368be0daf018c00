using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Outbox;

namespace QwenMesh.Metering.Relay;

/// <summary>
/// Drains the outbox to Kafka in order: a batch from the cursor is produced (key = tenant, structured-mode CloudEvent
/// as the value, idempotent producer with acks=all), and the cursor moves only once every message of the batch is
/// acknowledged. A failed batch is sent again whole after a back-off (0.25 s doubling to the configured maximum) by a
/// fresh producer: messages of it that had landed are then duplicates with the same id, which consumers drop. While
/// Kafka is down nothing is lost: the events wait in the outbox, and its depth and oldest age are metrics.
/// </summary>
public sealed class KafkaRelay(UsageOutbox outbox, UsageOptions options, UsageMetrics metrics, EmitterIdentity identity, ILogger<KafkaRelay> log) : BackgroundService
{
    static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        await Task.Yield();
        TimeSpan backoff = FirstBackoff;
        DateTimeOffset? outageSince = null;
        IProducer<string, byte[]>? producer = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                OutboxBatch? batch = outbox.Peek(options.RelayBatch);
                if (batch is null)
                {
                    try
                    {
                        await outbox.WaitForEventsAsync(stop);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    continue;
                }
                producer ??= Producer();
                try
                {
                    await SendAsync(producer, batch, stop);
                    outbox.Acknowledge(batch);
                    metrics.Delivered(batch.Records.Count);
                    if (outageSince is { } since)
                        log.LogInformation("usage events reach Kafka again after {Seconds:F0} s; the outbox holds {Events} undelivered", (DateTimeOffset.UtcNow - since).TotalSeconds, outbox.State.Events);
                    outageSince = null;
                    backoff = FirstBackoff;
                }
                catch (KafkaException e) when (!stop.IsCancellationRequested)
                {
                    metrics.DeliveryFailed(e.Error.Code.ToString());
                    if (outageSince is null)
                    {
                        outageSince = DateTimeOffset.UtcNow;
                        log.LogWarning("usage events cannot reach Kafka ({Servers}): {Reason}; they wait in the outbox and are retried", options.Kafka, e.Error.Reason);
                    }
                    // A producer that failed may hold a fatal idempotence state or a stale epoch: start over with a new one.
                    producer.Dispose();
                    producer = null;
                    try
                    {
                        await Task.Delay(backoff, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    backoff = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, options.RelayMaxBackoffSeconds));
                }
            }
        }
        finally
        {
            producer?.Dispose();
        }
    }

    IProducer<string, byte[]> Producer() =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = options.Kafka,
            ClientId = UsageEvent.SourceOf(identity.Service, identity.Pod),
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            // Back within a second of a broker's return, not librdkafka's default 10 s.
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 1000,
            // A message Kafka has not acknowledged by then fails its batch, which the relay sends again: the outbox
            // keeps it meanwhile, so a long outage costs retries, never events.
            MessageTimeoutMs = 30_000,
        })
        .SetLogHandler((_, m) => log.LogDebug("librdkafka {Facility}: {Message}", m.Facility, m.Message))
        .SetErrorHandler((_, e) => log.LogDebug("librdkafka error {Code}: {Reason}", e.Code, e.Reason))
        .Build();

    /// <summary>Produces every record of the batch and waits for all acknowledgements; the first failure is thrown after all are in.</summary>
    async Task SendAsync(IProducer<string, byte[]> producer, OutboxBatch batch, CancellationToken stop)
    {
        var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int outstanding = batch.Records.Count;
        Error? failure = null;
        var contentType = new Headers { { "content-type", System.Text.Encoding.ASCII.GetBytes(UsageEvent.ContentType) } };
        foreach (ReadOnlyMemory<byte> record in batch.Records)
        {
            (string? tenant, DateTimeOffset end) = Envelope(record);
            var message = new Message<string, byte[]> { Key = tenant!, Value = record.ToArray(), Headers = contentType };
            producer.Produce(options.Topic, message, report =>
            {
                if (report.Error.IsError) Interlocked.CompareExchange(ref failure, report.Error, null);
                else metrics.DeliveryDelay((DateTimeOffset.UtcNow - end).TotalSeconds);
                if (Interlocked.Decrement(ref outstanding) == 0) pending.TrySetResult();
            });
        }
        await pending.Task.WaitAsync(stop);
        if (failure is not null) throw new KafkaException(failure);
    }

    /// <summary>A line that does not read as an event (it cannot happen short of disk damage) still goes, unkeyed: blocking the outbox on it would lose everything behind it, and consumers report it.</summary>
    (string? Tenant, DateTimeOffset End) Envelope(ReadOnlyMemory<byte> record)
    {
        try
        {
            return UsageEvent.Envelope(record.Span);
        }
        catch (UsageEventFormatException e)
        {
            log.LogError("a usage outbox record is not an event ({Reason}); it is relayed as it is", e.Message);
            return (null, DateTimeOffset.UtcNow);
        }
    }
}
