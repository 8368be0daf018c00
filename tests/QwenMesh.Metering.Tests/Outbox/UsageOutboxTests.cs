using QwenMesh.Metering.Events;
using QwenMesh.Metering.Outbox;

namespace QwenMesh.Metering.Tests.Outbox;

/// <summary>The outbox keeps every event it said it kept, across reopening and torn writes, and refuses new ones only when full.</summary>
public sealed class UsageOutboxTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("qwenmesh-outbox-test-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static UsageEvent Event(int i, DateTimeOffset? time = null) => new($"req-{i}", UsageEvent.SourceOf("decode", "d0"), time ?? DateTimeOffset.UnixEpoch.AddSeconds(i),
        new UsageData { Tenant = $"t{i % 3}", Model = "m", PromptTokens = i, CompletionTokens = 2 * i, Status = UsageStatus.Finished, AccountedBy = UsageData.Engine });

    UsageOutbox Open(long capacity = 1 << 20, long segment = 1 << 20) => UsageOutbox.Open(_folder, capacity, segment);

    static List<string> Ids(OutboxBatch? batch) => batch is null ? [] : batch.Records.Select(r => UsageEvent.Decode(r).Id).ToList();

    [Fact]
    public async Task Concurrent_appends_are_all_kept_in_one_order_and_survive_reopening()
    {
        await using (var outbox = Open())
        {
            bool[] kept = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => outbox.AppendAsync(Event(i)))));
            Assert.All(kept, Assert.True);
            Assert.Equal(200, outbox.State.Events);
            Assert.Equal(200, Ids(outbox.Peek(1000)).Distinct().Count());
        }
        await using (var reopened = Open())
        {
            Assert.Equal(200, reopened.State.Events);
            var ids = Ids(reopened.Peek(1000));
            Assert.Equal(Enumerable.Range(0, 200).Select(i => $"req-{i}").Order(), ids.Order());
        }
    }

    [Fact]
    public async Task Acknowledged_events_are_not_read_again_and_the_rest_are_after_reopening()
    {
        await using (var outbox = Open())
        {
            for (int i = 0; i < 10; i++) Assert.True(await outbox.AppendAsync(Event(i)));
            OutboxBatch first = outbox.Peek(4)!;
            Assert.Equal(["req-0", "req-1", "req-2", "req-3"], Ids(first));
            outbox.Acknowledge(first);
            Assert.Equal(6, outbox.State.Events);
            Assert.Equal(Event(4).Time, outbox.State.OldestEvent);
            Assert.Equal("req-4", Ids(outbox.Peek(1))[0]);
        }
        await using (var reopened = Open())
        {
            Assert.Equal(6, reopened.State.Events);
            OutboxBatch rest = reopened.Peek(100)!;
            Assert.Equal(Enumerable.Range(4, 6).Select(i => $"req-{i}"), Ids(rest));
            reopened.Acknowledge(rest);
            Assert.Null(reopened.Peek(100));
            Assert.Equal(new OutboxState(0, 0, 1 << 20, null), reopened.State);
            Assert.True(await reopened.AppendAsync(Event(10)));
            Assert.Equal(["req-10"], Ids(reopened.Peek(100)));
        }
    }

    [Fact]
    public async Task A_torn_last_write_is_cut_on_reopening_and_later_events_read_cleanly()
    {
        await using (var outbox = Open())
            for (int i = 0; i < 3; i++) Assert.True(await outbox.AppendAsync(Event(i)));
        string segment = OutboxSegment.InOrder(_folder).Single();
        // A crash in the middle of a write: half a line, no newline.
        byte[] half = Event(99).Encode()[..40];
        await using (var file = new FileStream(segment, FileMode.Append)) file.Write(half);
        await using (var reopened = Open())
        {
            Assert.Equal(3, reopened.State.Events);
            Assert.True(await reopened.AppendAsync(Event(3)));
            Assert.Equal(["req-0", "req-1", "req-2", "req-3"], Ids(reopened.Peek(100)));
        }
    }

    [Fact]
    public async Task Events_span_segments_and_delivered_segments_are_deleted()
    {
        int line = Event(0).Encode().Length + 1;
        await using var outbox = Open(segment: 4096);
        for (int i = 0; i < 40; i++) Assert.True(await outbox.AppendAsync(Event(i)));
        int segments = OutboxSegment.InOrder(_folder).Count;
        Assert.True(segments >= 40 * line / 4096, $"{segments} segments for {40 * line} bytes");
        var seen = new List<string>();
        while (outbox.Peek(7) is { } batch)
        {
            seen.AddRange(Ids(batch));
            outbox.Acknowledge(batch);
        }
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"req-{i}"), seen);
        Assert.Single(OutboxSegment.InOrder(_folder));
        Assert.Equal(0, outbox.State.Events);
    }

    [Fact]
    public async Task A_full_outbox_refuses_new_events_and_keeps_every_one_it_took()
    {
        int line = Event(0).Encode().Length + 1;
        await using var outbox = Open(capacity: 5 * line + line / 2);
        var kept = new List<bool>();
        for (int i = 0; i < 8; i++) kept.Add(await outbox.AppendAsync(Event(i)));
        Assert.Equal([true, true, true, true, true, false, false, false], kept);
        Assert.Equal(["req-0", "req-1", "req-2", "req-3", "req-4"], Ids(outbox.Peek(100)));
        outbox.Acknowledge(outbox.Peek(2)!);
        Assert.True(await outbox.AppendAsync(Event(8)));
        Assert.Equal(["req-2", "req-3", "req-4", "req-8"], Ids(outbox.Peek(100)));
    }

    [Fact]
    public async Task A_folder_has_one_owner()
    {
        await using var outbox = Open();
        var e = Assert.Throws<IOException>(() => Open());
        Assert.Contains("in use by another process", e.Message);
    }

    [Fact]
    public async Task Waiting_for_events_wakes_on_the_first_append()
    {
        await using var outbox = Open();
        Task waiting = outbox.WaitForEventsAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        Assert.True(await outbox.AppendAsync(Event(1)));
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(outbox.WaitForEventsAsync(CancellationToken.None).IsCompleted);
    }
}
