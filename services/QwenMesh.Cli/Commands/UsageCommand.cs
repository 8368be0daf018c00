using QwenMesh.Metering;
using QwenMesh.Metering.Consumer;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `usage`: who used how many tokens, from the Kafka topic (as a consumer group, committing what it read) or from
/// outbox folders. Each request counts once: copies of an event are dropped by id (also against the ids the group
/// counted in earlier runs, kept in a --state file) and the engine's account outranks the gateway's. A table on stdout; with --json the last line is the tally as one JSON object.
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
        string? state = o.String("state");
        o.EnsureAllUsed();
        if ((kafka is null) == (outbox is null)) throw new CliUsageException("usage needs exactly one of --kafka and --outbox");
        if (outbox is not null && (topic is not null || group is not null || fromBeginning || state is not null))
            throw new CliUsageException("--topic, --group, --from-beginning and --state go with --kafka, not --outbox");

        UsageTally tally;
        if (kafka is not null)
        {
            topic ??= UsageTopic.Default;
            group ??= KafkaUsageReader.DefaultGroup;
            // What this group counted in earlier runs, so that a resent copy arriving after a commit is still a duplicate.
            // Reading from the beginning is a recount: the memory is not consulted, only extended.
            var counted = CountedIds.Load(state ?? CountedIds.DefaultPath(kafka, topic, group), DateTimeOffset.UtcNow);
            tally = new UsageTally(fromBeginning ? null : counted.Ids);
            new KafkaUsageReader
            {
                BootstrapServers = kafka,
                Topic = topic,
                Group = group,
                FromBeginning = fromBeginning,
                Timeout = TimeSpan.FromSeconds(timeoutSeconds),
                Warnings = stderr,
            }.ReadInto(tally);
            counted.Save(tally.CountedIds, DateTimeOffset.UtcNow);
        }
        else
        {
            tally = new UsageTally();
            new OutboxUsageReader(outbox!, stderr).ReadInto(tally);
        }
        tally.WriteTable(stdout);
        if (json) stdout.WriteLine(tally.ToJson());
        return 0;
    }
}
