using System.Collections.Concurrent;

namespace QwenMesh.Engine.State;

/// <summary>The embedded state store: chunked values in this process, with TTLs measured on an injected clock.</summary>
public sealed class InMemoryStateStore(TimeProvider clock, int chunkSize = InMemoryStateStore.DefaultChunkSize) : IStateStore
{
    public const int DefaultChunkSize = 4 << 20;

    readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public InMemoryStateStore() : this(TimeProvider.System) { }

    sealed record Entry(IReadOnlyList<byte[]> Chunks, DateTimeOffset Expires);

    /// <summary>Values held and not yet expired.</summary>
    public int Count => _entries.Count(e => e.Value.Expires > clock.GetUtcNow());

    public async Task WriteAsync(StateKey key, Func<Stream, Task> write, TimeSpan ttl, CancellationToken cancellation = default)
    {
        var chunks = new List<byte[]>();
        var stream = new ChunkWriteStream(chunkSize, chunk =>
        {
            cancellation.ThrowIfCancellationRequested();
            chunks.Add(chunk);
            return Task.CompletedTask;
        });
        await write(stream);
        await stream.CompleteAsync();
        _entries[key.ToString()] = new Entry(chunks, clock.GetUtcNow() + ttl);
        Sweep();
    }

    public async Task<T?> ReadAsync<T>(StateKey key, Func<Stream, Task<T>> read, bool consume, CancellationToken cancellation = default) where T : class
    {
        string name = key.ToString();
        Entry? entry;
        bool found = consume ? _entries.TryRemove(name, out entry) : _entries.TryGetValue(name, out entry);
        if (!found || entry!.Expires <= clock.GetUtcNow()) return null;
        return await read(ChunkReadStream.Indexed(entry.Chunks.Count, (i, _) => Task.FromResult<ReadOnlyMemory<byte>>(entry.Chunks[i])));
    }

    public Task<bool> DeleteAsync(StateKey key, CancellationToken cancellation = default) =>
        Task.FromResult(_entries.TryRemove(key.ToString(), out Entry? e) && e.Expires > clock.GetUtcNow());

    public Task<TimeSpan?> TimeToLiveAsync(StateKey key, CancellationToken cancellation = default)
    {
        TimeSpan? left = _entries.TryGetValue(key.ToString(), out Entry? e) ? e.Expires - clock.GetUtcNow() : null;
        return Task.FromResult(left > TimeSpan.Zero ? left : null);
    }

    /// <summary>Drops expired entries so abandoned leases do not hold memory.</summary>
    void Sweep()
    {
        DateTimeOffset now = clock.GetUtcNow();
        foreach (var (name, entry) in _entries)
        {
            if (entry.Expires <= now) _entries.TryRemove(name, out _);
        }
    }
}
