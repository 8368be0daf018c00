using System.Diagnostics;

namespace QwenMesh.Engine.Experts;

/// <summary>What remote experts cost: layer calls, bytes each way, and the time a layer waits for its workers.</summary>
public sealed class ExpertTraffic
{
    long _layerCalls, _bytesOut, _bytesIn, _ticks, _routes;

    public void Record(long routes, long bytesOut, long bytesIn, long startTimestamp)
    {
        Interlocked.Increment(ref _layerCalls);
        Interlocked.Add(ref _routes, routes);
        Interlocked.Add(ref _bytesOut, bytesOut);
        Interlocked.Add(ref _bytesIn, bytesIn);
        Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - startTimestamp);
    }

    public long LayerCalls => Interlocked.Read(ref _layerCalls);
    public long BytesOut => Interlocked.Read(ref _bytesOut);
    public long BytesIn => Interlocked.Read(ref _bytesIn);
    public long Routes => Interlocked.Read(ref _routes);

    /// <summary>Mean wall time of one MoE layer's remote round (send, worker compute, receive), in ms.</summary>
    public double MeanLayerMs => LayerCalls == 0 ? 0 : Interlocked.Read(ref _ticks) * 1000.0 / Stopwatch.Frequency / LayerCalls;

    public void Reset()
    {
        Interlocked.Exchange(ref _layerCalls, 0);
        Interlocked.Exchange(ref _routes, 0);
        Interlocked.Exchange(ref _bytesOut, 0);
        Interlocked.Exchange(ref _bytesIn, 0);
        Interlocked.Exchange(ref _ticks, 0);
    }
}
