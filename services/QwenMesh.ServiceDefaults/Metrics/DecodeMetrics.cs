using Prometheus;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>How one request ended, as the decode service saw it.</summary>
public sealed record FinishedRequest(
    string Tenant,
    string FinishReason,
    int PromptTokens,
    int CachedTokens,
    int GenerationTokens,
    double? TtftSeconds,
    double? ItlP99Seconds,
    double E2eSeconds);

/// <summary>
/// The decode service's metrics, named, typed and labelled as vLLM's (<c>vllm:</c> becomes <c>qwenmesh:</c>), so that
/// dashboards, autoscalers and the Inference Extension's endpoint picker work with a rename. Counters are exact:
/// they sum what the responses' <c>usage</c> reported. Every series also carries the registry's <c>model_name</c>.
/// </summary>
public sealed class DecodeMetrics
{
    public const string FinishStop = "stop", FinishLength = "length", FinishAbort = "abort", FinishError = "error";

    /// <summary>Why a handoff fails: the store unreachable, the state expired or unreadable, or decode full after the prefill.</summary>
    public static readonly string[] HandoffFailureReasons = ["unavailable", "expired", "corrupt", "rejected"];

    readonly MetricsOptions _options;
    readonly Gauge _running, _waiting, _stateMemory, _fairQueue;
    readonly Counter _promptTokens, _generationTokens, _success, _cacheQueries, _cacheHits, _handoffFailures;
    readonly Counter _tenantRequests, _tenantPrompt, _tenantGeneration, _sloRequests, _sloAttained;
    readonly Histogram _ttft, _itl, _e2e, _queue, _prefill, _handoff, _firstStep, _requestPrompt, _requestGeneration, _iteration, _stateBytes;

    public DecodeMetrics(MeshMetricFactory metrics, MetricsOptions options)
    {
        _options = options;
        double[] ttft = MetricsOptions.Parse(options.TtftBuckets), itl = MetricsOptions.Parse(options.ItlBuckets),
            latency = MetricsOptions.Parse(options.LatencyBuckets), counts = MetricsOptions.Parse(options.CountBuckets),
            bytes = MetricsOptions.Parse(options.ByteBuckets);
        _running = metrics.Gauge("qwenmesh:num_requests_running", "Sequences in the running decode batch.");
        _waiting = metrics.Gauge("qwenmesh:num_requests_waiting", "Sequences waiting for a decode batch slot.");
        _stateMemory = metrics.Gauge("qwenmesh:state_memory_usage_perc",
            "Fraction (0-1) of the decode state-memory budget reserved by admitted and waiting sequences (vLLM's kv_cache_usage_perc).");
        _fairQueue = metrics.Gauge("qwenmesh:fair_queue_depth",
            "Requests waiting in decode's fair admission (VTC) for a slot, per tenant.", "tenant");
        _promptTokens = metrics.Counter("qwenmesh:prompt_tokens_total", "Prompt tokens of finished requests (usage.prompt_tokens).");
        _generationTokens = metrics.Counter("qwenmesh:generation_tokens_total", "Generated tokens of finished requests (usage.completion_tokens).");
        _success = metrics.Counter("qwenmesh:request_success_total", "Finished requests by finish reason.", "finished_reason");
        _cacheQueries = metrics.Counter("qwenmesh:prefix_cache_queries_total", "Prompt tokens looked up in saved session states.");
        _cacheHits = metrics.Counter("qwenmesh:prefix_cache_hits_total", "Prompt tokens served from a saved session state (usage cached_tokens).");
        _handoffFailures = metrics.Counter("qwenmesh:handoff_failures_total", "Prefill-to-decode handoffs that failed, by reason.", "reason");
        _tenantRequests = metrics.Counter("qwenmesh:tenant_requests_total", "Finished requests per tenant.", "tenant");
        _tenantPrompt = metrics.Counter("qwenmesh:tenant_prompt_tokens_total", "Prompt tokens per tenant.", "tenant");
        _tenantGeneration = metrics.Counter("qwenmesh:tenant_generation_tokens_total", "Generated tokens per tenant.", "tenant");
        _sloRequests = metrics.Counter("qwenmesh:slo_requests_total", "Requests judged against the TTFT and ITL targets, per tenant.", "tenant");
        _sloAttained = metrics.Counter("qwenmesh:slo_attained_total", "Requests within the TTFT and ITL targets (goodput), per tenant.", "tenant");
        // Published at zero from the start, so that rate() sees the first increment.
        foreach (string reason in new[] { FinishStop, FinishLength, FinishAbort, FinishError }) _success.WithLabels(reason);
        foreach (string reason in HandoffFailureReasons) _handoffFailures.WithLabels(reason);
        _ttft = metrics.Histogram("qwenmesh:time_to_first_token_seconds", "Time from arrival to the first token.", ttft);
        _itl = metrics.Histogram("qwenmesh:inter_token_latency_seconds", "Time between consecutive tokens of a request.", itl);
        _e2e = metrics.Histogram("qwenmesh:e2e_request_latency_seconds", "Time from arrival to the last token.", latency);
        _queue = metrics.Histogram("qwenmesh:request_queue_time_seconds", "Time a request waited in queues (prefill queue and decode admission).", latency);
        _prefill = metrics.Histogram("qwenmesh:request_prefill_time_seconds", "Prefill compute time of a request (TTFT breakdown).", latency);
        _handoff = metrics.Histogram("qwenmesh:request_handoff_time_seconds", "State handoff time, publish plus take-over (TTFT breakdown).", latency);
        _firstStep = metrics.Histogram("qwenmesh:request_first_step_time_seconds", "Time from joining the decode queue to the first decode-step token.", latency);
        _requestPrompt = metrics.Histogram("qwenmesh:request_prompt_tokens", "Prompt tokens per request.", counts);
        _requestGeneration = metrics.Histogram("qwenmesh:request_generation_tokens", "Generated tokens per request.", counts);
        _iteration = metrics.Histogram("qwenmesh:iteration_tokens_total", "Tokens per decode engine step.", counts);
        _stateBytes = metrics.Histogram("qwenmesh:handoff_state_bytes", "Bytes of sequence state handed from prefill to decode per request.", bytes);
    }

    public void Load(int running, int waiting, long reservedBytes, long budgetBytes)
    {
        _running.Set(running);
        _waiting.Set(waiting);
        _stateMemory.Set(budgetBytes <= 0 ? 0 : Math.Min(1.0, (double)reservedBytes / budgetBytes));
    }

    /// <summary>Requests of <paramref name="tenant"/> waiting in fair admission.</summary>
    public void FairQueue(string tenant, int waiting) => _fairQueue.WithLabels(tenant).Set(waiting);

    /// <summary>The parts of a request's first token: queues, prefill, handoff, and its first decode step.</summary>
    public void Breakdown(double queueSeconds, double prefillSeconds, double handoffSeconds, long stateBytes)
    {
        _queue.Observe(queueSeconds);
        _prefill.Observe(prefillSeconds);
        _handoff.Observe(handoffSeconds);
        _stateBytes.Observe(stateBytes);
    }

    public void FirstStep(double seconds) => _firstStep.Observe(seconds);

    public void FirstToken(double seconds) => _ttft.Observe(seconds);

    public void InterToken(double seconds) => _itl.Observe(seconds);

    public void Iteration(int tokens) => _iteration.Observe(tokens);

    public void HandoffFailed(string reason) => _handoffFailures.WithLabels(reason).Inc();

    public void Finished(FinishedRequest r)
    {
        _success.WithLabels(r.FinishReason).Inc();
        _promptTokens.Inc(r.PromptTokens);
        _generationTokens.Inc(r.GenerationTokens);
        _cacheQueries.Inc(r.PromptTokens);
        _cacheHits.Inc(r.CachedTokens);
        _requestPrompt.Observe(r.PromptTokens);
        _requestGeneration.Observe(r.GenerationTokens);
        _e2e.Observe(r.E2eSeconds);
        _tenantRequests.WithLabels(r.Tenant).Inc();
        _tenantPrompt.WithLabels(r.Tenant).Inc(r.PromptTokens);
        _tenantGeneration.WithLabels(r.Tenant).Inc(r.GenerationTokens);
        // Only requests that ran to an end are judged: an error or an abort says nothing about latency.
        if (r.FinishReason is FinishStop or FinishLength)
        {
            _sloRequests.WithLabels(r.Tenant).Inc();
            bool attained = r.TtftSeconds <= _options.SloTtftSeconds && (r.ItlP99Seconds ?? 0) <= _options.SloItlSeconds;
            if (attained) _sloAttained.WithLabels(r.Tenant).Inc();
        }
    }
}
