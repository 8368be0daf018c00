using QwenMesh.Engine.State;
using QwenMesh.Engine.Tests.Support;
using QwenMesh.Model.State;
using StackExchange.Redis;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Tests.State;

[Collection(RedisCollection.Name)]
public sealed class RedisStateStoreTests(RedisServer redis) : StateStoreContract
{
    readonly RedisStateStore _store = new(redis.Connection, chunkSize: 1 << 20);

    protected override IStateStore Store => _store;

    protected override Task LetExpireAsync(TimeSpan ttl) => Task.Delay(ttl + TimeSpan.FromMilliseconds(300));

    [Fact]
    public async Task An_unreachable_redis_is_a_store_outage_not_a_request_error()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var down = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { $"127.0.0.1:{port}" }, AbortOnConnectFail = false, ConnectTimeout = 300, AsyncTimeout = 1000, SyncTimeout = 1000,
        });
        var store = new RedisStateStore(down);
        var key = Key("down");
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => store.WriteAsync(key, s => s.WriteAsync(new byte[10]).AsTask(), TimeSpan.FromMinutes(1)));
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => store.ReadAsync(key, _ => Task.FromResult(new object()), consume: true));
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => store.DeleteAsync(key));
    }

    [Fact]
    public async Task Values_are_chunked_and_a_consumed_value_leaves_no_key_behind()
    {
        var key = Key("chunks");
        await WriteAsync(key, Blob(5 * 1024 * 1024 + 1));
        Assert.Equal(1 + 6, redis.Keys(key + "*").Count);
        Assert.NotNull(await ReadAsync(key, consume: true));
        await Task.Delay(100);   // chunk deletion is fire-and-forget
        Assert.Empty(redis.Keys(key + "*"));
    }

    [Fact]
    public async Task A_rewrite_drops_the_previous_chunks()
    {
        var key = Key("rewrite");
        await WriteAsync(key, Blob(3 * 1024 * 1024));
        await WriteAsync(key, Blob(10));
        await Task.Delay(100);
        Assert.Equal(2, redis.Keys(key + "*").Count);
    }

    [Fact]
    public async Task Chunks_carry_a_ttl_too()
    {
        var key = Key("leases");
        await WriteAsync(key, Blob(2 * 1024 * 1024), TimeSpan.FromSeconds(30));
        IDatabase db = redis.Connection.GetDatabase();
        Assert.All(redis.Keys(key + "*"), k => Assert.NotNull(db.KeyTimeToLive(k)));
    }
}

/// <summary>A sequence state through Redis and back, as prefill hands it to decode.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisStateHandoffTests(RedisServer redis, TinyModel tiny) : IClassFixture<TinyModel>
{
    [Fact]
    public async Task A_state_handed_over_through_redis_continues_exactly()
    {
        var store = new RedisStateStore(redis.Connection, chunkSize: 64 * 1024);
        var model = tiny.Model;
        using var scope = NewDisposeScope();
        using SequenceState original = model.NewState();
        model.Prefill(original, [5, 6, 7, 8, 9, 10, 11, 12]);
        var key = StateKey.NewHandoff("acme");
        await store.WriteAsync(key, s => tiny.Codec.WriteAsync(original, s), TimeSpan.FromMinutes(1));

        using SequenceState? restored = await store.ReadAsync(key, s => tiny.Codec.ReadAsync(s), consume: true);
        Assert.NotNull(restored);
        Assert.Equal(0f, (model.Decode([original], [3]) - model.Decode([restored], [3])).abs().max().item<float>());
        Assert.Null(await store.ReadAsync(key, s => tiny.Codec.ReadAsync(s), consume: true));
    }

    [Fact]
    public async Task A_corrupted_stored_state_is_refused()
    {
        var store = new RedisStateStore(redis.Connection, chunkSize: 64 * 1024);
        using SequenceState state = tiny.Model.NewState();
        tiny.Model.Prefill(state, [1, 2, 3]).Dispose();
        var key = StateKey.Session("acme", "corrupt");
        await store.WriteAsync(key, s => tiny.Codec.WriteAsync(state, s), TimeSpan.FromMinutes(1));
        IDatabase db = redis.Connection.GetDatabase();
        string chunk = redis.Keys(key + ":*").Single(k => k.EndsWith(":0", StringComparison.Ordinal));
        byte[] bytes = (byte[])db.StringGet(chunk)!;
        bytes[^100] ^= 0xFF;
        db.StringSet(chunk, bytes, TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<StateFormatException>(() => store.ReadAsync(key, s => tiny.Codec.ReadAsync(s), consume: false));
    }
}
