using System.Text;
using QwenMesh.Metering.Consumer;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Outbox;
using static QwenMesh.Metering.Tests.Consumer.ConsumerEvents;

namespace QwenMesh.Metering.Tests.Consumer;

/// <summary>An `up` run's outbox root: one folder per process, several segments, a torn last write, a bad record.</summary>
public sealed class OutboxUsageReaderTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "qwenmesh-outbox-reader-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    void Segment(string folder, long first, IEnumerable<UsageEvent> events, string tail = "")
    {
        string dir = Path.Combine(_root, folder);
        Directory.CreateDirectory(dir);
        using var file = File.Create(Path.Combine(dir, OutboxSegment.FileName(first)));
        foreach (UsageEvent e in events)
        {
            file.Write(e.Encode());
            file.WriteByte((byte)'\n');
        }
        file.Write(Encoding.UTF8.GetBytes(tail));
    }

    [Fact]
    public void Every_outbox_under_the_root_is_read_and_a_torn_last_line_is_not_an_event()
    {
        Segment("gateway-0", 0, [Of("r1", accountedBy: UsageData.Gateway, prompt: 8, completion: 0), Of("r9", tenant: "beta", prompt: 1, completion: 1, accountedBy: UsageData.Gateway)]);
        Segment("decode-0", 0, [Of("r1", prompt: 8, completion: 20), Of("r2", prompt: 5, completion: 6)]);
        Segment("decode-0", 2, [Of("r3", prompt: 2, completion: 2), Of("r2", prompt: 5, completion: 6)],
            tail: Encoding.UTF8.GetString(Of("r4", prompt: 1000, completion: 1000).Encode())[..40]);
        Segment(Path.Combine("nested", "decode-1"), 0, [Of("r5", model: "other", prompt: 3, completion: 3)], tail: "not json\n");
        File.WriteAllText(Path.Combine(_root, "decode-0", "notes.txt"), "not a segment\n");

        var tally = new UsageTally();
        var warnings = new StringWriter();
        long records = new OutboxUsageReader(_root, warnings).ReadInto(tally);

        Assert.Equal(8, records);
        Assert.Equal(5, tally.Events);
        Assert.Equal(2, tally.Duplicates);
        Assert.Equal(1, tally.Invalid);
        Assert.Equal(new UsageTotals(4, 18, 0, 31, 0), tally.Tenants["acme"]);
        Assert.Equal(new UsageTotals(1, 3, 0, 3, 0), tally.TenantModels[("acme", "other")]);
        Assert.Equal(new UsageTotals(1, 1, 0, 1, 0), tally.Tenants["beta"]);
        Assert.Contains("not a CloudEvent", warnings.ToString());
    }

    [Fact]
    public void A_missing_folder_is_an_io_error()
    {
        var e = Assert.ThrowsAny<IOException>(() => new OutboxUsageReader(Path.Combine(_root, "nope")).ReadInto(new UsageTally()));
        Assert.Contains("does not exist", e.Message);
    }
}
