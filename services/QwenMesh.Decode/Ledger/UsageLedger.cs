using System.Collections.Concurrent;

namespace QwenMesh.Decode.Ledger;

/// <summary>
/// What each request used, by request id, for the gateway to settle its quota reservation after the request ends.
/// One entry per request (the first record wins); entries expire after <see cref="Retention"/> and the oldest go first
/// beyond <see cref="Capacity"/>, so that memory stays bounded whoever asks or never asks.
/// </summary>
public sealed class UsageLedger(TimeProvider clock)
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);
    public const int DefaultCapacity = 100_000;

    /// <summary>A request's entry once it exists; created by whichever comes first, the record or a waiting reader.</summary>
    sealed class Line(DateTimeOffset created)
    {
        public readonly DateTimeOffset Created = created;
        public readonly TaskCompletionSource<UsageEntry> Entry = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    readonly ConcurrentDictionary<string, Line> _lines = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<(string Id, Line Line)> _order = new();
    readonly object _trim = new();

    public int Capacity { get; init; } = DefaultCapacity;

    /// <summary>Entries (and pending waits) held now.</summary>
    public int Count => _lines.Count;

    /// <summary>Records how <paramref name="requestId"/> ended; false when it already had an entry (that one stands).</summary>
    public bool Record(string requestId, UsageEntry entry) => LineOf(requestId).Entry.TrySetResult(entry);

    /// <summary>The entry of <paramref name="requestId"/>, waiting up to <paramref name="wait"/> for a request still running; null if none by then.</summary>
    public async Task<UsageEntry?> WaitAsync(string requestId, TimeSpan wait, CancellationToken cancellation)
    {
        if (!_lines.TryGetValue(requestId, out Line? line))
        {
            if (wait <= TimeSpan.Zero) return null;
            line = LineOf(requestId);
        }
        Task<UsageEntry> entry = line.Entry.Task;
        if (entry.IsCompleted) return await entry;
        try
        {
            return await entry.WaitAsync(wait, clock, cancellation);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    Line LineOf(string requestId)
    {
        var fresh = new Line(clock.GetUtcNow());
        Line line = _lines.GetOrAdd(requestId, fresh);
        if (ReferenceEquals(line, fresh))
        {
            _order.Enqueue((requestId, fresh));
            Trim(fresh.Created);
        }
        return line;
    }

    /// <summary>Drops from the oldest end: what expired, then what exceeds the capacity.</summary>
    void Trim(DateTimeOffset now)
    {
        lock (_trim)
        {
            while (_order.TryPeek(out var oldest) && (now - oldest.Line.Created > Retention || _lines.Count > Capacity))
            {
                _order.TryDequeue(out _);
                // Only this line: an id seen again after its expiry has a line of its own.
                _lines.TryRemove(new KeyValuePair<string, Line>(oldest.Id, oldest.Line));
            }
        }
    }
}
