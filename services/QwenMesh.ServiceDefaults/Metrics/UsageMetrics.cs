using Prometheus;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>
/// Usage events on their way to billing: emitted (durable in the outbox), delivered (acknowledged by Kafka), dropped
/// (the outbox was full: an alert, never silent), delivery errors, the outbox's depth and the age of its oldest
/// undelivered event, and the delay from a request's end to Kafka's acknowledgement.
/// </summary>
public sealed class UsageMetrics(MeshMetricFactory metrics, MetricsOptions options)
{
    readonly Counter _emitted = metrics.Counter("qwenmesh:usage_events_emitted_total", "Usage events written to the outbox (fsync'd), per status.", "status");
    readonly Counter _delivered = metrics.Counter("qwenmesh:usage_events_delivered_total", "Usage events Kafka acknowledged (acks=all).");
    readonly Counter _dropped = metrics.Counter("qwenmesh:usage_events_dropped_total",
        "Usage events that could not be written to the outbox (full, or the disk failed), per reason. Any is lost billing: alert.", "reason");
    readonly Counter _errors = metrics.Counter("qwenmesh:usage_delivery_errors_total", "Failed attempts to deliver a batch of usage events to Kafka, per error code.", "error");
    readonly Gauge _depth = metrics.Gauge("qwenmesh:usage_outbox_events", "Usage events in the outbox not yet delivered to Kafka.");
    readonly Gauge _bytes = metrics.Gauge("qwenmesh:usage_outbox_bytes", "Bytes of the outbox's undelivered events.");
    readonly Gauge _capacity = metrics.Gauge("qwenmesh:usage_outbox_capacity_bytes", "The outbox's bound: at it, new events are dropped (and counted).");
    readonly Gauge _oldest = metrics.Gauge("qwenmesh:usage_outbox_oldest_event_age_seconds", "Age of the oldest undelivered usage event (0 when none waits).");
    readonly Histogram _delay = metrics.Histogram("qwenmesh:usage_delivery_delay_seconds",
        "From a request's end (the event's time) to Kafka's acknowledgement of its usage event.", MetricsOptions.Parse(options.LatencyBuckets));

    public const string DroppedFull = "outbox_full", DroppedWriteFailed = "write_failed";

    /// <summary>Every reason's and status's series exists from the start, so an alert on their rate sees 0 rather than nothing.</summary>
    public UsageMetrics Initialised(IEnumerable<string> statuses)
    {
        foreach (string status in statuses) _emitted.WithLabels(status);
        _dropped.WithLabels(DroppedFull);
        _dropped.WithLabels(DroppedWriteFailed);
        _delivered.Inc(0);
        return this;
    }

    public void Emitted(string status) => _emitted.WithLabels(status).Inc();

    public void Dropped(string reason) => _dropped.WithLabels(reason).Inc();

    public void Delivered(int events) => _delivered.Inc(events);

    public void DeliveryDelay(double seconds) => _delay.Observe(Math.Max(0, seconds));

    public void DeliveryFailed(string error) => _errors.WithLabels(error).Inc();

    public void Outbox(long events, long bytes, long capacity, double oldestAgeSeconds)
    {
        _depth.Set(events);
        _bytes.Set(bytes);
        _capacity.Set(capacity);
        _oldest.Set(oldestAgeSeconds);
    }
}
