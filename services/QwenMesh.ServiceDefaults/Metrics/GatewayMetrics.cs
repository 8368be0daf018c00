using Prometheus;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>The gateway's view: requests and refusals per tenant, admission latency, upstream TTFT and duration, tokens reserved vs settled.</summary>
public sealed class GatewayMetrics(MeshMetricFactory metrics, MetricsOptions options)
{
    readonly Counter _requests = metrics.Counter("qwenmesh:gateway_requests_total", "Requests answered by the gateway, per tenant, model and HTTP status.", "tenant", "model", "status");
    readonly Counter _refusals = WithEveryReason(metrics.Counter("qwenmesh:gateway_refusals_total",
        "Requests the gateway refused before they reached decode, per reason (auth, model, requests, tokens, budget, concurrency).", "reason"));
    readonly Histogram _admission = metrics.Histogram("qwenmesh:gateway_admission_seconds",
        "Time to authenticate a request and admit it against its tenant's limits (one quota round trip).", MetricsOptions.Parse(options.LatencyBuckets));
    readonly Histogram _ttft = metrics.Histogram("qwenmesh:gateway_upstream_ttft_seconds",
        "From the request's arrival at the gateway to the first bytes of decode's response.", MetricsOptions.Parse(options.TtftBuckets));
    readonly Histogram _duration = metrics.Histogram("qwenmesh:gateway_upstream_duration_seconds",
        "From the request's arrival at the gateway to the end of decode's response.", MetricsOptions.Parse(options.LatencyBuckets));
    readonly Counter _reserved = metrics.Counter("qwenmesh:gateway_tokens_reserved_total", "Tokens reserved at admission (prompt bound + completion bound), per tenant.", "tenant");
    readonly Counter _settled = metrics.Counter("qwenmesh:gateway_tokens_settled_total", "Tokens charged when requests ended (their real usage), per tenant.", "tenant");
    readonly Counter _unreported = metrics.Counter("qwenmesh:gateway_unreported_settlements_total",
        "Requests settled to their reservation because decode could not report their usage (the pod died).");

    /// <summary>Every reason's series exists from the start, so a rate over refusals is 0 rather than absent before the first one.</summary>
    static Counter WithEveryReason(Counter refusals)
    {
        foreach (string reason in new[] { "auth", "model", "requests", "tokens", "budget", "concurrency" }) refusals.WithLabels(reason);
        return refusals;
    }

    public void Answered(string tenant, string model, int status) => _requests.WithLabels(tenant, model, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    public void Refused(string reason) => _refusals.WithLabels(reason).Inc();

    public void Admission(double seconds) => _admission.Observe(seconds);

    public void FirstBytes(double seconds) => _ttft.Observe(seconds);

    public void Ended(double seconds) => _duration.Observe(seconds);

    public void Reserved(string tenant, long tokens) => _reserved.WithLabels(tenant).Inc(tokens);

    public void Settled(string tenant, long tokens, bool reported)
    {
        _settled.WithLabels(tenant).Inc(tokens);
        if (!reported) _unreported.Inc();
    }
}
