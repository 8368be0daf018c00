using Prometheus;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>The prefill queue and each prefill batch: depth, time, batch size, and what publishing the state cost.</summary>
public sealed class PrefillMetrics
{
    readonly Gauge _queueRequests, _queueTokens;
    readonly Histogram _time, _batchSize, _publish, _stateBytes;

    public PrefillMetrics(MeshMetricFactory metrics, MetricsOptions options)
    {
        double[] latency = MetricsOptions.Parse(options.LatencyBuckets), counts = MetricsOptions.Parse(options.CountBuckets),
            bytes = MetricsOptions.Parse(options.ByteBuckets);
        _queueRequests = metrics.Gauge("qwenmesh:prefill_queue_requests", "Prompts waiting for a prefill batch.");
        _queueTokens = metrics.Gauge("qwenmesh:prefill_queue_tokens", "Prompt tokens waiting for a prefill batch.");
        _time = metrics.Histogram("qwenmesh:prefill_time_seconds", "Wall time of one prefill batch.", latency);
        _batchSize = metrics.Histogram("qwenmesh:prefill_batch_size", "Prompts in one prefill batch.", counts);
        _publish = metrics.Histogram("qwenmesh:handoff_publish_seconds", "Time to encode and store one prefilled state.", latency);
        _stateBytes = metrics.Histogram("qwenmesh:prefill_state_bytes", "Bytes of one published prefilled state.", bytes);
    }

    public void Queue(int requests, long tokens)
    {
        _queueRequests.Set(requests);
        _queueTokens.Set(tokens);
    }

    public void Batch(int size, double seconds)
    {
        _batchSize.Observe(size);
        _time.Observe(seconds);
    }

    public void Published(double seconds, long bytes)
    {
        _publish.Observe(seconds);
        _stateBytes.Observe(bytes);
    }
}
