using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Engine.Telemetry;
using QwenMesh.Model.Checkpoints;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Experts;

/// <summary>
/// One long-lived bidirectional Compute stream to an expert worker: calls are written in turn and matched to
/// replies by id, so a step's calls for many layers never open a new call per token. A broken stream fails
/// every pending call (the executor then tries replicas) and is reopened by the next call.
/// </summary>
public sealed class GrpcExpertChannel(ExpertWorker.ExpertWorkerClient client, string placementVersion, ScalarType dtype, int hidden) : IExpertChannel, IDisposable
{
    readonly SemaphoreSlim _writeLock = new(1, 1);
    readonly ConcurrentDictionary<ulong, TaskCompletionSource<ExpertReply>> _pending = new();
    AsyncDuplexStreamingCall<ExpertCall, ExpertReply>? _stream;
    long _nextId;

    public async Task<Tensor> ComputeAsync(int layer, IReadOnlyList<int> experts, IReadOnlyList<int> counts, Tensor rows, CancellationToken cancellation)
    {
        // Only inside a traced request (a prefill); decode steps serve many requests at once and are not traced per call.
        using Activity? span = Activity.Current is null ? null : EngineTracing.Source.StartActivity("expert call", ActivityKind.Client);
        span?.SetTag(EngineTracing.Layer, layer);
        span?.SetTag(EngineTracing.Rows, rows.shape[0]);
        var call = new ExpertCall
        {
            CallId = (ulong)Interlocked.Increment(ref _nextId),
            Layer = layer,
            PlacementVersion = placementVersion,
            Dtype = DTypes.FromScalarType(dtype),
            Hidden = hidden,
            Rows = ByteString.CopyFrom(TensorBytes(rows.to(dtype))),
            Traceparent = EngineTracing.TraceParent(span),
        };
        call.Experts.AddRange(experts);
        call.Counts.AddRange(counts);
        var reply = new TaskCompletionSource<ExpertReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[call.CallId] = reply;
        using var registration = cancellation.Register(() => reply.TrySetCanceled(cancellation));
        try
        {
            await _writeLock.WaitAsync(cancellation);
            try
            {
                _stream ??= Open();
                await _stream.RequestStream.WriteAsync(call, cancellation);
            }
            catch
            {
                Reset();
                throw;
            }
            finally
            {
                _writeLock.Release();
            }
            ExpertReply answer = await reply.Task;
            if (answer.Error.Length > 0) throw new ExpertUnavailableException($"expert worker refused layer {layer}: {answer.Error}");
            Tensor output = empty(rows.shape, dtype);
            TensorMemory.CopyIn(output, 0, answer.Rows.Span);
            return output;
        }
        finally
        {
            _pending.TryRemove(call.CallId, out _);
        }
    }

    static byte[] TensorBytes(Tensor t)
    {
        using Tensor contiguous = t.contiguous();
        var bytes = new byte[TensorMemory.ByteLength(contiguous)];
        TensorMemory.CopyOut(contiguous, 0, bytes);
        return bytes;
    }

    AsyncDuplexStreamingCall<ExpertCall, ExpertReply> Open()
    {
        // The stream and its reader outlive the call that opens them: they belong to no request's trace.
        Activity? caller = Activity.Current;
        Activity.Current = null;
        try
        {
            var stream = client.Compute();
            _ = Task.Run(() => ReadRepliesAsync(stream));
            return stream;
        }
        finally
        {
            Activity.Current = caller;
        }
    }

    async Task ReadRepliesAsync(AsyncDuplexStreamingCall<ExpertCall, ExpertReply> stream)
    {
        try
        {
            await foreach (ExpertReply reply in stream.ResponseStream.ReadAllAsync())
            {
                if (_pending.TryGetValue(reply.CallId, out var waiter)) waiter.TrySetResult(reply);
            }
            FailPending(new IOException("expert worker closed the stream"));
        }
        catch (Exception e)
        {
            FailPending(e);
        }
    }

    void FailPending(Exception e)
    {
        Reset();
        foreach (var waiter in _pending.Values) waiter.TrySetException(e);
    }

    void Reset()
    {
        var stream = Interlocked.Exchange(ref _stream, null);
        stream?.Dispose();
    }

    public void Dispose()
    {
        Reset();
        _writeLock.Dispose();
    }
}
