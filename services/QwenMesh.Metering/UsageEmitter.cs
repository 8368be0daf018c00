using Microsoft.Extensions.Logging;
using QwenMesh.ServiceDefaults.Metrics;
using QwenMesh.Metering.Events;
using QwenMesh.Metering.Outbox;

namespace QwenMesh.Metering;

/// <summary>
/// Emits this process's usage events: into the outbox, durably, before the caller goes on. An event the outbox cannot
/// take (full, or the disk failed) is counted (<c>qwenmesh:usage_events_dropped_total</c>) and logged as an error, and
/// the request it describes is served all the same: billing must never take serving down with it.
/// </summary>
public sealed class UsageEmitter(UsageOutbox outbox, UsageMetrics metrics, ILogger<UsageEmitter> log, EmitterIdentity identity, bool logEvents)
{
    static readonly TimeSpan ErrorLogInterval = TimeSpan.FromSeconds(10);
    long _lastErrorLog = long.MinValue / 2;   // "long ago", without overflowing now - last
    long _droppedSinceLog;

    /// <summary>The CloudEvents <c>source</c> of this process's events.</summary>
    public string Source { get; } = UsageEvent.SourceOf(identity.Service, identity.Pod);

    /// <summary>This process's pod name (decode_pod, prefill_pod in the events).</summary>
    public string Pod => identity.Pod;

    /// <summary>Emits the usage of request <paramref name="requestId"/>, which ended at <paramref name="end"/>; false when it could not be kept.</summary>
    public async Task<bool> EmitAsync(string requestId, DateTimeOffset end, UsageData data)
    {
        var usage = new UsageEvent(requestId, Source, end, data);
        string? failure;
        try
        {
            if (await outbox.AppendAsync(usage))
            {
                metrics.Emitted(data.Status);
                if (logEvents)
                    log.LogInformation("usage {RequestId}: tenant {Tenant} model {Model} {Status} prompt {PromptTokens} cached {CachedTokens} completion {CompletionTokens}",
                        requestId, data.Tenant, data.Model, data.Status, data.PromptTokens, data.CachedTokens, data.CompletionTokens);
                return true;
            }
            metrics.Dropped(UsageMetrics.DroppedFull);
            failure = $"the usage outbox '{outbox.Folder}' is full ({outbox.State.Bytes} bytes undelivered)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            metrics.Dropped(UsageMetrics.DroppedWriteFailed);
            failure = $"the usage outbox '{outbox.Folder}' could not be written: {e.Message}";
        }
        Interlocked.Increment(ref _droppedSinceLog);
        long now = Environment.TickCount64, last = Interlocked.Read(ref _lastErrorLog);
        // One line per interval, with the count since the last: a full outbox must be loud, not a log flood.
        if (now - last >= ErrorLogInterval.TotalMilliseconds && Interlocked.CompareExchange(ref _lastErrorLog, now, last) == last)
            log.LogError("usage event of request {RequestId} DROPPED: {Failure}; {Dropped} event(s) dropped since the last report (is Kafka reachable?)",
                requestId, failure, Interlocked.Exchange(ref _droppedSinceLog, 0));
        return false;
    }
}

/// <summary>Who emits: the service (gateway, decode) and the pod it runs as.</summary>
public sealed record EmitterIdentity(string Service, string Pod);
