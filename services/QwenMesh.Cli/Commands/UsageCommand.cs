using QwenMesh.Metering;
using QwenMesh.Metering.Consumer;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `usage`: who used how many tokens, from the Kafka topic (as a consumer group, committing what it read) or from
/// outbox folders. Each request counts once: copies of an event are dropped by id and the engine's account outranks
/// the gateway's. A table on stdout; with --json the last line is the tally as one JSON object.
/// </summary>
public static class UsageCommand
{
    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        string? kafka = o.String("kafka");
        string? outbox = o.String("outbox");
        string? topic = o.String("topic");
        string? group = o.String("group");
        bool fromBeginning = o.Flag("from-beginning");
        bool json = o.Flag("json");
        int timeoutSeconds = o.Int("timeout-s", min: 1) ?? 10;
        o.EnsureAllUsed();
        if ((kafka is null) == (outbox is null)) throw new CliUsageException("usage needs exactly one of --kafka and --outbox");
        if (outbox is not null && (topic is not null || group is not null || fromBeginning))
            throw new CliUsageException("--topic, --group and --from-beginning go with --kafka, not --outbox");

        var tally = new UsageTally();
        if (kafka is not null)
        {
            new KafkaUsageReader
            {
                BootstrapServers = kafka,
                Topic = topic ?? UsageTopic.Default,
                Group = group ?? KafkaUsageReader.DefaultGroup,
                FromBeginning = fromBeginning,
                Timeout = TimeSpan.FromSeconds(timeoutSeconds),
                Warnings = stderr,
            }.ReadInto(tally);
        }
        else
        {
            new OutboxUsageReader(outbox!, stderr).ReadInto(tally);
        }
        tally.WriteTable(stdout);
        if (json) stdout.WriteLine(tally.ToJson());
        return 0;
    }
}
