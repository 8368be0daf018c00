using QwenMesh.Metering.Events;
using QwenMesh.Decode.Ledger;

namespace QwenMesh.Decode.Tests.Ledger;

public sealed class UsageLedgerTests
{
    /// <summary>A clock whose wall time the test moves (timers stay real: only expiry reads the time).</summary>
    sealed class MovableClock : TimeProvider
    {
        public DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    static readonly UsageEntry Done = new(12, 4, 7, UsageStatus.Finished);

    [Fact]
    public async Task The_first_record_of_a_request_stands()
    {
        var ledger = new UsageLedger(TimeProvider.System);
        Assert.True(ledger.Record("r1", Done));
        Assert.False(ledger.Record("r1", new UsageEntry(0, 0, 0, UsageStatus.Failed)));
        Assert.Equal(Done, await ledger.WaitAsync("r1", TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task A_waiting_reader_gets_the_entry_as_soon_as_it_is_recorded()
    {
        var ledger = new UsageLedger(TimeProvider.System);
        Task<UsageEntry?> waiting = ledger.WaitAsync("r2", TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        ledger.Record("r2", Done);
        Assert.Equal(Done, await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_request_never_recorded_is_null_after_the_wait()
    {
        var ledger = new UsageLedger(TimeProvider.System);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(await ledger.WaitAsync("nobody", TimeSpan.FromMilliseconds(150), CancellationToken.None));
        Assert.True(clock.ElapsedMilliseconds >= 140, $"answered after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Entries_expire_and_the_oldest_go_first_beyond_the_capacity()
    {
        var clock = new MovableClock();
        var ledger = new UsageLedger(clock) { Capacity = 3 };
        ledger.Record("old", Done);
        clock.Now += UsageLedger.Retention + TimeSpan.FromSeconds(1);
        ledger.Record("a", Done);
        Assert.Null(await ledger.WaitAsync("old", TimeSpan.Zero, CancellationToken.None));

        ledger.Record("b", Done);
        ledger.Record("c", Done);
        ledger.Record("d", Done);
        Assert.True(ledger.Count <= 3, $"{ledger.Count} entries held");
        Assert.Null(await ledger.WaitAsync("a", TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(Done, await ledger.WaitAsync("d", TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public void The_json_has_the_fields_the_gateway_settles_with()
    {
        using var json = System.Text.Json.JsonDocument.Parse(Done.ToJson("r9"));
        var root = json.RootElement;
        Assert.Equal("r9", root.GetProperty("request_id").GetString());
        Assert.Equal(12, root.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(4, root.GetProperty("cached_tokens").GetInt32());
        Assert.Equal(7, root.GetProperty("completion_tokens").GetInt32());
        Assert.Equal("finished", root.GetProperty("status").GetString());
    }
}
