using System.Security.Cryptography;
using QwenMesh.Engine.State;

namespace QwenMesh.Engine.Tests.State;

/// <summary>What every <see cref="IStateStore"/> must do; each store runs these against its real backend.</summary>
public abstract class StateStoreContract
{
    protected abstract IStateStore Store { get; }

    /// <summary>Lets a value written with <paramref name="ttl"/> expire (moving a clock or waiting).</summary>
    protected abstract Task LetExpireAsync(TimeSpan ttl);

    protected static StateKey Key(string id) => StateKey.Session("tenant-" + id, id + Guid.NewGuid().ToString("N"));

    protected static byte[] Blob(int size) => RandomNumberGenerator.GetBytes(size);

    protected Task<byte[]?> ReadAsync(StateKey key, bool consume = false) => Store.ReadAsync(key, async s =>
    {
        var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        return copy.ToArray();
    }, consume);

    protected Task WriteAsync(StateKey key, byte[] value, TimeSpan? ttl = null) =>
        Store.WriteAsync(key, s => s.WriteAsync(value).AsTask(), ttl ?? TimeSpan.FromMinutes(5));

    [Fact]
    public async Task A_value_larger_than_a_chunk_round_trips()
    {
        var key = Key("big");
        byte[] value = Blob(9 * 1024 * 1024 + 17);
        await WriteAsync(key, value);
        Assert.Equal(value, await ReadAsync(key));
        Assert.Equal(value, await ReadAsync(key));   // a plain read leaves it in place
    }

    [Fact]
    public async Task Reading_past_the_end_returns_zero_and_does_not_hang()
    {
        var key = Key("end");
        await WriteAsync(key, Blob(1000));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? total = await Store.ReadAsync(key, async s =>
        {
            var buffer = new byte[1 << 20];
            int sum = 0, read;
            while ((read = await s.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, timeout.Token)) > 0) sum += read;
            Assert.Equal(0, await s.ReadAsync(buffer, timeout.Token));
            return sum.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }, consume: false, timeout.Token);
        Assert.Equal("1000", total);
    }

    [Fact]
    public async Task A_consumed_value_is_gone_and_only_one_reader_gets_it()
    {
        var key = Key("handoff");
        await WriteAsync(key, Blob(1000));
        var readers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => ReadAsync(key, consume: true))).ToArray();
        byte[]?[] results = await Task.WhenAll(readers);
        Assert.Single(results, r => r is not null);
        Assert.Null(await ReadAsync(key));
        Assert.Null(await Store.TimeToLiveAsync(key));
    }

    [Fact]
    public async Task A_value_carries_its_ttl_and_expires()
    {
        var key = Key("ttl");
        TimeSpan ttl = TimeSpan.FromSeconds(2);
        await WriteAsync(key, Blob(10), ttl);
        TimeSpan? left = await Store.TimeToLiveAsync(key);
        Assert.NotNull(left);
        Assert.InRange(left.Value, TimeSpan.FromMilliseconds(1), ttl);
        await LetExpireAsync(ttl);
        Assert.Null(await ReadAsync(key));
    }

    [Fact]
    public async Task A_rewrite_replaces_the_value()
    {
        var key = Key("session");
        await WriteAsync(key, Blob(5 * 1024 * 1024));
        byte[] second = Blob(3000);
        await WriteAsync(key, second);
        Assert.Equal(second, await ReadAsync(key));
    }

    [Fact]
    public async Task Missing_and_deleted_values_read_as_null()
    {
        var key = Key("missing");
        Assert.Null(await ReadAsync(key));
        Assert.False(await Store.DeleteAsync(key));
        await WriteAsync(key, Blob(10));
        Assert.True(await Store.DeleteAsync(key));
        Assert.Null(await ReadAsync(key));
    }

    [Fact]
    public async Task Tenants_never_see_each_others_values()
    {
        // Separators in names must not let two (tenant, id) pairs meet on one key.
        var a = StateKey.Session("acme:gold", "chat");
        var b = StateKey.Session("acme", "gold:chat");
        Assert.NotEqual(a.ToString(), b.ToString());
        await WriteAsync(a, [1, 2, 3]);
        Assert.Null(await ReadAsync(b));
        Assert.Null(await ReadAsync(StateKey.Session("other", "chat")));
        Assert.Null(await ReadAsync(new StateKey(StateKind.Handoff, "acme:gold", "chat")));
        Assert.Equal(new byte[] { 1, 2, 3 }, await ReadAsync(a));
    }
}
