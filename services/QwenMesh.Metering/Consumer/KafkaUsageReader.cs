using Confluent.Kafka;
using QwenMesh.Metering.Events;

namespace QwenMesh.Metering.Consumer;

/// <summary>
/// Totals the usage events on a Kafka topic as a member of a consumer group: it reads what the group has not yet
/// committed (all of it for a new group), up to the end of every assigned partition, then commits what it read, so
/// the next run of the same group sees only what arrived since. <see cref="FromBeginning"/> rereads everything, for an
/// audit that must not depend on what another run committed. Offsets are committed only after the whole read, never
/// automatically: a run that fails halfway leaves the group where it was.
/// </summary>
public sealed class KafkaUsageReader
{
    public const string DefaultGroup = "qwenmesh-usage";

    /// <summary>Kafka bootstrap servers, HOST:PORT[,HOST:PORT].</summary>
    public required string BootstrapServers { get; init; }

    public string Topic { get; init; } = UsageTopic.Default;

    public string Group { get; init; } = DefaultGroup;

    /// <summary>Start every assigned partition at its first message whatever the group committed.</summary>
    public bool FromBeginning { get; init; }

    /// <summary>
    /// How long to wait for partitions to be assigned, and then for any progress (a message or a partition's end):
    /// beyond it the brokers are taken to be unreachable.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where a warning about an undecodable message goes; null: nowhere.</summary>
    public TextWriter? Warnings { get; init; }

    /// <summary>Reads the topic to the end of every assigned partition into <paramref name="tally"/> and commits.</summary>
    /// <returns>The messages read, valid or not.</returns>
    /// <exception cref="IOException">No partitions were assigned, or the brokers stopped answering, within <see cref="Timeout"/>; or a commit failed.</exception>
    public long ReadInto(UsageTally tally, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(tally);
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = Group,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // The lowest a broker accepts by default (group.min.session.timeout.ms). A one-shot reader heartbeats from
            // librdkafka's own thread, so a short session costs nothing; and librdkafka's mock cluster holds a group
            // whose last member left in rebalance for the session timeout less 1 s, so the next run waits that long.
            SessionTimeoutMs = 6_000,
        };
        var assigned = new HashSet<TopicPartition>();
        var atEnd = new HashSet<TopicPartition>();
        var next = new Dictionary<TopicPartition, Offset>();
        string? lastError = null;
        using IConsumer<Ignore, byte[]> consumer = new ConsumerBuilder<Ignore, byte[]>(config)
            .SetValueDeserializer(Deserializers.ByteArray)
            // librdkafka logs each refused connection to stderr by itself; the one error that matters is in the exception.
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, error) => lastError = error.Reason)
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                foreach (TopicPartition p in partitions)
                {
                    assigned.Add(p);
                    atEnd.Remove(p);
                }
                return partitions.Select(p => new TopicPartitionOffset(p, FromBeginning ? Offset.Beginning : Offset.Unset));
            })
            .SetPartitionsRevokedHandler((_, partitions) =>
            {
                foreach (TopicPartitionOffset p in partitions)
                {
                    assigned.Remove(p.TopicPartition);
                    atEnd.Remove(p.TopicPartition);
                }
            })
            .Build();
        long messages = 0;
        try
        {
            consumer.Subscribe(Topic);
            DateTime deadline = DateTime.UtcNow + Timeout;
            while (assigned.Count == 0 || !atEnd.IsSupersetOf(assigned))
            {
                cancel.ThrowIfCancellationRequested();
                if (DateTime.UtcNow > deadline) throw new IOException(Stalled(assigned.Count == 0, lastError));
                ConsumeResult<Ignore, byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null) continue;
                deadline = DateTime.UtcNow + Timeout;
                if (result.IsPartitionEOF)
                {
                    atEnd.Add(result.TopicPartition);
                    continue;
                }
                atEnd.Remove(result.TopicPartition);
                next[result.TopicPartition] = result.Offset + 1;
                messages++;
                Count(tally, result);
            }
            if (next.Count > 0) consumer.Commit(next.Select(n => new TopicPartitionOffset(n.Key, n.Value)));
        }
        catch (KafkaException e)
        {
            throw new IOException($"Kafka at {BootstrapServers}: {e.Error.Reason}", e);
        }
        finally
        {
            consumer.Close();
        }
        return messages;
    }

    void Count(UsageTally tally, ConsumeResult<Ignore, byte[]> result)
    {
        try
        {
            tally.Add(UsageEvent.Decode(result.Message.Value ?? []));
        }
        catch (UsageEventFormatException e)
        {
            tally.AddInvalid();
            Warnings?.WriteLine($"qwenmesh: warning: {result.TopicPartitionOffset}: {e.Message}");
        }
    }

    string Stalled(bool unassigned, string? lastError)
    {
        string what = unassigned
            ? $"no partitions of topic '{Topic}' were assigned to group '{Group}' within {Timeout.TotalSeconds:0.#} s"
            : $"no message and no end of partition from topic '{Topic}' for {Timeout.TotalSeconds:0.#} s";
        return $"Kafka at {BootstrapServers}: {what} ({lastError ?? "the brokers are unreachable or the topic does not exist"})";
    }
}
