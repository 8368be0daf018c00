using System.Globalization;
using StackExchange.Redis;

namespace QwenMesh.Engine.State;

/// <summary>
/// States in Redis. A value is a set of chunk keys (<c>{key}:{generation}:{i}</c>) plus the key itself, written last,
/// naming the generation and chunk count: readers never see a half-written value, and a rewrite of a session
/// switches generations atomically. Chunks outlive the key by a margin so a reader that got the key finds them.
/// All I/O is asynchronous: no thread waits on Redis.
/// </summary>
public sealed class RedisStateStore(IConnectionMultiplexer redis, int chunkSize = RedisStateStore.DefaultChunkSize) : IStateStore
{
    public const int DefaultChunkSize = 4 << 20;
    static readonly TimeSpan ChunkMargin = TimeSpan.FromMinutes(1);

    IDatabase Db => redis.GetDatabase();

    /// <summary>Redis unreachable or too slow: an outage of the store, not a fault of the request.</summary>
    static bool Outage(Exception e) => e is RedisConnectionException or RedisTimeoutException;

    static StateStoreUnavailableException Unavailable(Exception e) => new(e.Message, e);

    public async Task WriteAsync(StateKey key, Func<Stream, Task> write, TimeSpan ttl, CancellationToken cancellation = default)
    {
        try
        {
            await WriteChunksAsync(key, write, ttl, cancellation);
        }
        catch (Exception e) when (Outage(e))
        {
            throw Unavailable(e);
        }
    }

    async Task WriteChunksAsync(StateKey key, Func<Stream, Task> write, TimeSpan ttl, CancellationToken cancellation)
    {
        IDatabase db = Db;
        string name = key.ToString();
        string generation = Guid.NewGuid().ToString("N");
        int written = 0;
        try
        {
            var chunks = new ChunkWriteStream(chunkSize, async chunk =>
            {
                cancellation.ThrowIfCancellationRequested();
                await db.StringSetAsync($"{name}:{generation}:{written}", chunk, ttl + ChunkMargin);
                written++;
            });
            await write(chunks);
            await chunks.CompleteAsync();
            RedisValue previous = await db.StringSetAndGetAsync(name, $"{generation}:{written}", ttl);
            if (!previous.IsNull) DeleteChunks(db, name, previous);
        }
        catch (Exception e) when (!Outage(e))
        {
            DeleteChunks(db, name, generation, written);
            throw;
        }
    }

    public async Task<T?> ReadAsync<T>(StateKey key, Func<Stream, Task<T>> read, bool consume, CancellationToken cancellation = default) where T : class
    {
        IDatabase db = Db;
        string name = key.ToString();
        RedisValue meta;
        try
        {
            meta = consume ? await db.StringGetDeleteAsync(name) : await db.StringGetAsync(name);
        }
        catch (Exception e) when (Outage(e))
        {
            throw Unavailable(e);
        }
        if (meta.IsNull) return null;
        (string generation, int count) = Parse(meta);
        try
        {
            return await read(ChunkReadStream.Indexed(count, async (i, token) =>
            {
                token.ThrowIfCancellationRequested();
                using Lease<byte>? lease = await db.StringGetLeaseAsync($"{name}:{generation}:{i}");
                if (lease is null) throw new StateFormatException($"state '{name}' lost chunk {i} while being read");
                return lease.Span.ToArray();
            }));
        }
        finally
        {
            if (consume) DeleteChunks(db, name, generation, count);
        }
    }

    public async Task<bool> DeleteAsync(StateKey key, CancellationToken cancellation = default)
    {
        IDatabase db = Db;
        string name = key.ToString();
        RedisValue meta;
        try
        {
            meta = await db.StringGetDeleteAsync(name);
        }
        catch (Exception e) when (Outage(e))
        {
            throw Unavailable(e);
        }
        if (meta.IsNull) return false;
        DeleteChunks(db, name, meta);
        return true;
    }

    public async Task<TimeSpan?> TimeToLiveAsync(StateKey key, CancellationToken cancellation = default) =>
        await Db.KeyTimeToLiveAsync(key.ToString());

    static (string Generation, int Count) Parse(RedisValue meta)
    {
        string[] parts = meta.ToString().Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            throw new StateFormatException("state key holds no chunk index");
        return (parts[0], count);
    }

    static void DeleteChunks(IDatabase db, string name, RedisValue meta)
    {
        (string generation, int count) = Parse(meta);
        DeleteChunks(db, name, generation, count);
    }

    static void DeleteChunks(IDatabase db, string name, string generation, int count)
    {
        var keys = Enumerable.Range(0, count).Select(i => (RedisKey)$"{name}:{generation}:{i}").ToArray();
        if (keys.Length > 0) db.KeyDelete(keys, CommandFlags.FireAndForget);
    }
}
