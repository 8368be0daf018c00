using QwenMesh.ServiceDefaults.Options;

namespace QwenMesh.Metering;

/// <summary>
/// Where usage events go (<c>QwenMesh:Usage</c>). Every event is first made durable in the outbox folder; with
/// <see cref="Kafka"/> set, a relay delivers them to <see cref="Topic"/> and frees the outbox as Kafka acknowledges
/// them. Without Kafka the outbox (and the log) is the record, until it reaches <see cref="OutboxMaxBytes"/>.
/// </summary>
public sealed class UsageOptions
{
    public const string Section = "QwenMesh:Usage";

    /// <summary>The outbox folder, this process's alone (it is locked). Default: ~/.local/state/qwenmesh/usage/&lt;service&gt;-&lt;pod&gt;.</summary>
    public string? Outbox { get; set; }

    /// <summary>Kafka bootstrap servers (HOST:PORT[,HOST:PORT]); empty: no relay.</summary>
    public string? Kafka { get; set; }

    public string Topic { get; set; } = UsageTopic.Default;

    /// <summary>The outbox's bound on undelivered events: beyond it new events are dropped, counted and logged, never old ones.</summary>
    public long OutboxMaxBytes { get; set; } = 256L << 20;

    /// <summary>A segment file is closed and a new one begun past this size; delivered segments are deleted whole.</summary>
    public long SegmentBytes { get; set; } = 16L << 20;

    /// <summary>Events a relay sends before it waits for their acknowledgements and moves the outbox's cursor.</summary>
    public int RelayBatch { get; set; } = 2000;

    /// <summary>Longest wait between delivery attempts while Kafka is unreachable (the back-off doubles from 0.25 s up to it).</summary>
    public double RelayMaxBackoffSeconds { get; set; } = 5;

    /// <summary>Gateway: also emit an event (status rejected, no tokens) for requests refused before admission (401, 429).</summary>
    public bool EmitRefusals { get; set; }

    public static void Check(UsageOptions o, OptionChecks c)
    {
        c.Positive(nameof(OutboxMaxBytes), o.OutboxMaxBytes);
        c.AtLeast(nameof(SegmentBytes), o.SegmentBytes, 4096);
        c.AtLeast(nameof(RelayBatch), o.RelayBatch, 1);
        c.Positive(nameof(RelayMaxBackoffSeconds), o.RelayMaxBackoffSeconds);
        if (string.IsNullOrWhiteSpace(o.Topic)) c.Fail(nameof(Topic), o.Topic, "must name a Kafka topic");
    }

    /// <summary>The outbox folder of <paramref name="service"/> running as <paramref name="pod"/>.</summary>
    public string OutboxFolder(string service, string pod) =>
        Outbox is { Length: > 0 } given ? Path.GetFullPath(given) : StateHome.Folder("usage", $"{service}-{pod}");
}
