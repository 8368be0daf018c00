using Google.Protobuf;
using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Engine.State;

namespace QwenMesh.Decode.StateStore;

/// <summary>
/// Serves this process's embedded state store to prefill processes (the local mesh without Redis). TTLs and the
/// largest value are this server's limits; callers are checked for the mesh credential before any handler runs.
/// </summary>
public sealed class StateStoreService(IStateStore store, StateLimits limits) : Contracts.V1.StateStore.StateStoreBase
{
    const int ChunkSize = 1 << 20;

    public override async Task<StateWriteResult> Write(IAsyncStreamReader<StateWriteChunk> requests, ServerCallContext context)
    {
        CancellationToken cancellation = context.CancellationToken;
        if (!await requests.MoveNext(cancellation)) throw Invalid("a state write needs a first message naming the key");
        StateWriteChunk first = requests.Current;
        StateKey key = Key(first.Key);
        long bytes = 0;
        async Task Append(ReadOnlyMemory<byte> data, Stream stream)
        {
            // Refused before it is stored: the write never commits, so nothing of it is left under the key.
            if ((bytes += data.Length) > limits.MaxBytes)
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"a state of more than {limits.MaxBytes} bytes is larger than this model's largest possible state"));
            await stream.WriteAsync(data, cancellation);
        }
        await store.WriteAsync(key, async stream =>
        {
            await Append(first.Data.Memory, stream);
            while (await requests.MoveNext(cancellation)) await Append(requests.Current.Data.Memory, stream);
        }, limits.TtlOf(key.Kind), cancellation);
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
