using Google.Protobuf;
using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Engine.State;

namespace QwenMesh.Decode.StateStore;

/// <summary>Serves this process's embedded state store to prefill processes (the local mesh without Redis).</summary>
public sealed class StateStoreService(IStateStore store) : Contracts.V1.StateStore.StateStoreBase
{
    const int ChunkSize = 1 << 20;

    public override async Task<StateWriteResult> Write(IAsyncStreamReader<StateWriteChunk> requests, ServerCallContext context)
    {
        CancellationToken cancellation = context.CancellationToken;
        if (!await requests.MoveNext(cancellation)) throw Invalid("a state write needs a first message naming the key");
        StateWriteChunk first = requests.Current;
        StateKey key = Key(first.Key);
        if (first.TtlSeconds == 0) throw Invalid("ttl_seconds must be > 0");
        long bytes = 0;
        await store.WriteAsync(key, async stream =>
        {
            await stream.WriteAsync(first.Data.Memory, cancellation);
            bytes += first.Data.Length;
            while (await requests.MoveNext(cancellation))
            {
                await stream.WriteAsync(requests.Current.Data.Memory, cancellation);
                bytes += requests.Current.Data.Length;
            }
        }, TimeSpan.FromSeconds(first.TtlSeconds), cancellation);
        return new StateWriteResult { Bytes = bytes };
    }

    public override async Task Read(StateReadRequest request, IServerStreamWriter<StateChunk> responses, ServerCallContext context)
    {
        CancellationToken cancellation = context.CancellationToken;
        object? found = await store.ReadAsync<object>(Key(request.Key), async stream =>
        {
            var buffer = new byte[ChunkSize];
            int read;
            while ((read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellation)) > 0)
                await responses.WriteAsync(new StateChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellation);
            return new object();
        }, request.Consume, cancellation);
        if (found is null) throw new RpcException(new Status(StatusCode.NotFound, $"no state under {Key(request.Key)}"));
    }

    public override async Task<StateDeleteResult> Delete(StateKeyMessage request, ServerCallContext context) =>
        new() { Deleted = await store.DeleteAsync(Key(request), context.CancellationToken) };

    public override async Task<StateTtlResult> TimeToLive(StateKeyMessage request, ServerCallContext context)
    {
        TimeSpan? left = await store.TimeToLiveAsync(Key(request), context.CancellationToken);
        return new StateTtlResult { Exists = left is not null, Seconds = left?.TotalSeconds ?? 0 };
    }

    static StateKey Key(StateKeyMessage? m)
    {
        if (m is null) throw Invalid("key is required");
        StateKind kind = m.Kind switch
        {
            "handoff" => StateKind.Handoff,
            "session" => StateKind.Session,
            _ => throw Invalid($"key kind must be handoff or session, got '{m.Kind}'"),
        };
        try
        {
            return new StateKey(kind, m.Tenant, m.Id);
        }
        catch (ArgumentException e)
        {
            throw Invalid(e.Message);
        }
    }

    static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
