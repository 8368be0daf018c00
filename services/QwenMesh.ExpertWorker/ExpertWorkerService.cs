using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using QwenMesh.Contracts.V1;
using QwenMesh.Engine;
using QwenMesh.Engine.Experts;
using QwenMesh.Engine.Telemetry;
using QwenMesh.Model.Checkpoints;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.Text;
using static TorchSharp.torch;

namespace QwenMesh.ExpertWorker;

/// <summary>
/// The expert worker's gRPC service: describes what it serves, and computes each call of a Compute stream with
/// its shard. A call for another placement, an expert it does not hold or a malformed batch is answered with an
/// error (the caller tries a replica) rather than a wrong result.
/// </summary>
public sealed class ExpertWorkerService(ExpertShard shard, ExpertPlacement placement, WorkerIdentity identity, ModelGate gate, ExpertWorkerMetrics metrics)
    : Contracts.V1.ExpertWorker.ExpertWorkerBase
{
    public override Task<WorkerDescription> Describe(DescribeRequest request, ServerCallContext context) => Task.FromResult(new WorkerDescription
    {
        ModelFingerprint = identity.Fingerprint,
        PlacementVersion = placement.Version,
        WorkerIndex = identity.Index,
        ExpertsHeld = shard.Experts.Count,
    });

    public override async Task Compute(IAsyncStreamReader<ExpertCall> calls, IServerStreamWriter<ExpertReply> replies, ServerCallContext context)
    {
        await foreach (ExpertCall call in calls.ReadAllAsync(context.CancellationToken))
        {
            ExpertReply reply = gate.Run(() => Answer(call));
            await replies.WriteAsync(reply, context.CancellationToken);
        }
    }

    ExpertReply Answer(ExpertCall call)
    {
        var reply = new ExpertReply { CallId = call.CallId };
        // The caller's span travels in the call (the stream outlives any one request).
        using Activity? span = ActivityContext.TryParse(call.Traceparent, null, out ActivityContext caller)
            ? EngineTracing.Source.StartActivity("expert compute", ActivityKind.Server, caller)
            : null;
        span?.SetTag(EngineTracing.Layer, call.Layer);
        span?.SetTag(EngineTracing.Worker, identity.Index);
        long started = Stopwatch.GetTimestamp();
        try
        {
            if (call.PlacementVersion != placement.Version)
                throw new ArgumentException($"placement {call.PlacementVersion} is not this worker's ({placement.Version})");
            ScalarType dtype = DTypes.ToScalarType(call.Dtype, "expert call", "rows");
            int rowsCount = call.Counts.Sum();
            if (call.Hidden != shard.Config.HiddenSize || call.Rows.Length != (long)rowsCount * call.Hidden * DTypes.ElementSize(dtype))
                throw new ArgumentException($"rows do not match [{rowsCount}, {shard.Config.HiddenSize}] {call.Dtype}");
            using var scope = NewDisposeScope();
            Tensor rows = empty(rowsCount, call.Hidden, dtype: dtype);
            TensorMemory.CopyIn(rows, 0, call.Rows.Span);
            Tensor output = shard.Compute(call.Layer, call.Experts, call.Counts, rows.to(shard.DType)).to(dtype).contiguous();
            var bytes = new byte[TensorMemory.ByteLength(output)];
            TensorMemory.CopyOut(output, 0, bytes);
            reply.Rows = UnsafeByteOperations.UnsafeWrap(bytes);
            metrics.Computed(rowsCount, Stopwatch.GetElapsedTime(started).TotalSeconds);
            span?.SetTag(EngineTracing.Rows, rowsCount);
        }
        catch (Exception e) when (e is ArgumentException or ModelFormatException)
        {
            reply.Error = e.Message;
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
        }
        return reply;
    }
}

/// <summary>Which worker this process is and which checkpoint it serves.</summary>
public sealed record WorkerIdentity(int Index, string Fingerprint);
