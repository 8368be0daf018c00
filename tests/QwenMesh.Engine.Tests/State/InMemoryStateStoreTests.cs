using QwenMesh.Engine.State;
using QwenMesh.Engine.Tests.Support;

namespace QwenMesh.Engine.Tests.State;

public sealed class InMemoryStateStoreTests : StateStoreContract
{
    readonly ManualClock _clock = new();
    readonly InMemoryStateStore _store;

    public InMemoryStateStoreTests() => _store = new InMemoryStateStore(_clock);

    protected override IStateStore Store => _store;

    protected override Task LetExpireAsync(TimeSpan ttl)
    {
        _clock.Advance(ttl + TimeSpan.FromMilliseconds(1));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Expired_values_are_swept_and_hold_no_memory()
    {
        await WriteAsync(Key("a"), Blob(100), TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(2));
        await WriteAsync(Key("b"), Blob(100));
        Assert.Equal(1, _store.Count);
    }
}
