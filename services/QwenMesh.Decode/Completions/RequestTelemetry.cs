using System.Diagnostics;
using QwenMesh.Decode.OpenAi;
using QwenMesh.ServiceDefaults.Logging;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.ServiceDefaults.Tracing;

namespace QwenMesh.Decode.Completions;

/// <summary>
/// One request's telemetry, in one place: its span (GenAI attributes), the TTFT and inter-token timing of what the
/// client received, the TTFT breakdown (queues, prefill, handoff, first decode step) as metrics and child spans, and
/// the metrics and log facts at its end. A request that ends without <see cref="Finished"/> counts as an abort (the
/// client went away) or an error.
/// </summary>
public sealed class RequestTelemetry : IDisposable
{
    internal static readonly ActivitySource Source = new("QwenMesh.Decode");

    readonly DecodeMetrics _metrics;
    readonly RequestFacts? _facts;
    readonly Ledger.UsageMeter? _meter;
    readonly Activity? _span;
    readonly CancellationToken _aborted;
    readonly string _tenant;
    readonly long _arrived = Stopwatch.GetTimestamp();
    readonly List<double> _gaps = [];
    RunningCompletion? _run;
    DateTimeOffset _submittedAt;
    long _lastToken;
    int _tokens;
    double? _ttft;
    bool _ended;

    /// <param name="operation">The GenAI operation: <c>chat</c> or <c>text_completion</c>.</param>
    public RequestTelemetry(DecodeMetrics metrics, HttpContext http, string operation, string model, string tenant, GenerationOptions options, int maxTokens, string? session)
    {
        _metrics = metrics;
        _aborted = http.RequestAborted;
        _tenant = tenant;
        _facts = http.Features.Get<RequestFacts>();
        _meter = Ledger.UsageMeter.Of(http);
        if (_facts is not null) _facts.Model = model;
        _span = Source.StartActivity($"{operation} {model}");
        if (_span is null) return;
        _span.SetTag(GenAiAttributes.OperationName, operation);
        _span.SetTag(GenAiAttributes.ProviderName, GenAiAttributes.Provider);
        _span.SetTag(GenAiAttributes.RequestModel, model);
        _span.SetTag(GenAiAttributes.ResponseModel, model);
        _span.SetTag(GenAiAttributes.RequestMaxTokens, maxTokens);
        _span.SetTag(GenAiAttributes.RequestTemperature, options.Temperature);
        _span.SetTag(GenAiAttributes.RequestTopP, options.TopP);
        _span.SetTag(GenAiAttributes.RequestTopK, options.TopK);
        if (options.Seed is { } seed) _span.SetTag(GenAiAttributes.RequestSeed, unchecked((long)seed));
        _span.SetTag(GenAiAttributes.RequestStream, options.Stream);
        _span.SetTag(GenAiAttributes.Tenant, tenant);
        if (session is not null) _span.SetTag(GenAiAttributes.ConversationId, session);
    }

    /// <summary>The prefill is done and the sequence joined the decode queue.</summary>
    public void Started(RunningCompletion run)
    {
        _run = run;
        _meter?.Started(run);
        _submittedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>A token reached the client's output.</summary>
    public void Token()
    {
        long now = Stopwatch.GetTimestamp();
        if (_tokens++ == 0)
        {
            _ttft = Stopwatch.GetElapsedTime(_arrived, now).TotalSeconds;
            _meter?.FirstToken();
            _metrics.FirstToken(_ttft.Value);
            _span?.SetTag(GenAiAttributes.ResponseTimeToFirstChunk, _ttft.Value);
        }
        else
        {
            double gap = Stopwatch.GetElapsedTime(_lastToken, now).TotalSeconds;
            _gaps.Add(gap);
            _metrics.InterToken(gap);
        }
        _lastToken = now;
    }

    public void HandoffFailed(string reason) => _metrics.HandoffFailed(reason);

    public void Finished(FinishReason finish, int completionTokens, string responseId) =>
        End(finish.ToWire(), completionTokens, responseId);

    public void Dispose()
    {
        if (!_ended) End(_aborted.IsCancellationRequested ? DecodeMetrics.FinishAbort : DecodeMetrics.FinishError, _tokens, null);
        _span?.Dispose();
    }

    void End(string finish, int completionTokens, string? responseId)
    {
        _ended = true;
        int prompt = _run?.PromptTokens ?? 0, cached = _run?.CachedTokens ?? 0;
        double e2e = Stopwatch.GetElapsedTime(_arrived).TotalSeconds;
        _metrics.Finished(new FinishedRequest(_tenant, finish, prompt, cached, completionTokens, _ttft, P99(_gaps), e2e));
        if (_run is { } run) Breakdown(run);
        if (_facts is not null)
        {
            _facts.PromptTokens = prompt;
            _facts.CachedTokens = cached;
            _facts.CompletionTokens = completionTokens;
            _facts.TtftMs = _ttft * 1000;
            _facts.FinishReason = finish;
        }
        if (_span is null) return;
        _span.SetTag(GenAiAttributes.InputTokens, prompt);
        _span.SetTag(GenAiAttributes.OutputTokens, completionTokens);
        _span.SetTag(GenAiAttributes.CacheReadInputTokens, cached);
        _span.SetTag(GenAiAttributes.ResponseFinishReasons, new[] { finish });
        if (responseId is not null) _span.SetTag(GenAiAttributes.ResponseId, responseId);
        if (finish == DecodeMetrics.FinishError) _span.SetStatus(ActivityStatusCode.Error);
    }

    /// <summary>Queue time is the prefill queue's wait plus decode admission's; prefill and handoff come from the prefill reply.</summary>
    void Breakdown(RunningCompletion run)
    {
        TimeSpan decodeQueue = run.Sequence.QueueTime ?? TimeSpan.Zero;
        _metrics.Breakdown(run.QueueMs / 1000 + decodeQueue.TotalSeconds, run.PrefillMs / 1000, run.HandoffMs / 1000, run.StateBytes);
        if (run.Sequence.FirstStepTime is { } firstStep) _metrics.FirstStep(firstStep.TotalSeconds);
        if (_span is null) return;
        // Decode-side phases as spans with their real times (the prefill process traces its own queue, batch and publish).
        if (run.Sequence.QueueTime is { } queued) Phase("decode queue", _submittedAt, queued);
        if (run.Sequence.FirstStepTime is { } step) Phase("decode first step", _submittedAt, step);
    }

    void Phase(string name, DateTimeOffset start, TimeSpan duration)
    {
        using Activity? phase = Source.StartActivity(name, ActivityKind.Internal, _span!.Context, startTime: start);
        phase?.SetEndTime(start.UtcDateTime + duration);
    }

    static double? P99(List<double> gaps)
    {
        if (gaps.Count == 0) return null;
        var sorted = gaps.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(0.99 * sorted.Count) - 1)];
    }
}
