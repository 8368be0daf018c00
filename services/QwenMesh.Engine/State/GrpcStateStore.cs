using Google.Protobuf;
using Grpc.Core;
using QwenMesh.Contracts.V1;

namespace QwenMesh.Engine.State;

/// <summary>
/// A state store reached over gRPC: the embedded store of a local mesh lives in the decode process, and prefill
/// processes publish to it through this client. Values stream in 1 MiB messages both ways. The server applies its own
/// TTL per kind of key, so <c>ttl</c> is not sent. An unreachable server is a <see cref="StateStoreUnavailableException"/>.
/// </summary>
public sealed class GrpcStateStore(StateStore.StateStoreClient client) : IStateStore
{
    const int ChunkSize = 1 << 20;

    static StateKeyMessage Message(StateKey key) =>
        new() { Kind = key.Kind == StateKind.Handoff ? "handoff" : "session", Tenant = key.Tenant, Id = key.Id };

    public async Task WriteAsync(StateKey key, Func<Stream, Task> write, TimeSpan ttl, CancellationToken cancellation = default)
    {
        // The server may answer before it has read everything (a refused size, a failed store). It then stops reading,
        // and a write waiting for HTTP/2 flow-control credit would wait forever: the answer cancels pending writes.
        // Declared before the call so that it outlives it: disposing the call completes the answer.
        using var answered = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var call = client.Write(cancellationToken: cancellation);
        _ = call.ResponseAsync.ContinueWith(static (_, source) => ((CancellationTokenSource)source!).Cancel(), answered,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await call.RequestStream.WriteAsync(new StateWriteChunk { Key = Message(key) }, answered.Token);
            var stream = new ChunkWriteStream(ChunkSize, chunk => call.RequestStream.WriteAsync(new StateWriteChunk { Data = ByteString.CopyFrom(chunk) }, answered.Token));
            await write(stream);
            await stream.CompleteAsync();
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        }
        catch (OperationCanceledException) when (call.ResponseAsync.IsCompleted && !cancellation.IsCancellationRequested)
        {
            await Answer(call.ResponseAsync);
        }
        catch (RpcException e) when (call.ResponseAsync.IsFaulted && e.StatusCode == StatusCode.OK)
        {
            // A write after the answer reports OK; the answer itself says why the call ended.
            await Answer(call.ResponseAsync);
        }
        catch (RpcException e) when (StateStoreUnavailableException.IsOutage(e))
        {
            throw new StateStoreUnavailableException(e.Status.Detail, e);
        }
    }

    static async Task Answer(Task<StateWriteResult> response)
    {
        try
        {
            await response;
        }
        catch (RpcException e) when (StateStoreUnavailableException.IsOutage(e))
        {
            throw new StateStoreUnavailableException(e.Status.Detail, e);
        }
    }

    public async Task<T?> ReadAsync<T>(StateKey key, Func<Stream, Task<T>> read, bool consume, CancellationToken cancellation = default) where T : class
    {
        using var call = client.Read(new StateReadRequest { Key = Message(key), Consume = consume }, cancellationToken: cancellation);
        try
        {
            // The server answers NOT_FOUND before any chunk, so the first move tells whether there is a value.
            if (!await call.ResponseStream.MoveNext(cancellation)) return await read(Stream.Null);
            ReadOnlyMemory<byte>? pending = call.ResponseStream.Current.Data.Memory;
            return await read(new ChunkReadStream(async token =>
            {
                if (pending is { } first)
                {
                    pending = null;
                    return first;
                }
                return await call.ResponseStream.MoveNext(token) ? call.ResponseStream.Current.Data.Memory : null;
            }));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException e) when (StateStoreUnavailableException.IsOutage(e))
        {
            throw new StateStoreUnavailableException(e.Status.Detail, e);
        }
    }

    public async Task<bool> DeleteAsync(StateKey key, CancellationToken cancellation = default)
    {
        try
        {
            return (await client.DeleteAsync(Message(key), cancellationToken: cancellation)).Deleted;
        }
        catch (RpcException e) when (StateStoreUnavailableException.IsOutage(e))
        {
            throw new StateStoreUnavailableException(e.Status.Detail, e);
        }
    }

    public async Task<TimeSpan?> TimeToLiveAsync(StateKey key, CancellationToken cancellation = default)
    {
        StateTtlResult result = await client.TimeToLiveAsync(Message(key), cancellationToken: cancellation);
        return result.Exists ? TimeSpan.FromSeconds(result.Seconds) : null;
    }
}
