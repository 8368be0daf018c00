using System.Diagnostics;
using QwenMesh.Decode.Completions;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Hosting;
using QwenMesh.Metering;
using QwenMesh.Metering.Events;

namespace QwenMesh.Decode.Ledger;

/// <summary>
/// One /v1 request's account, as an HTTP feature: what it is (model, tenant, session), what ran (the prefill, the first
/// token), and how it ended, closed once into the <see cref="UsageLedger"/> (the gateway's settlement) and as a usage
/// event (billing), from the same numbers. The handler closes it with a finished usage before the response's last
/// bytes, so a client holding the whole response has an emitted, durable event behind it; whatever else happens,
/// <see cref="UsageRecording"/> closes it from what the meter saw run.
/// </summary>
public sealed class UsageMeter(UsageLedger ledger, UsageEmitter? emitter, string requestId, TimeProvider clock)
{
    readonly DateTimeOffset _startedAt = clock.GetUtcNow();
    readonly long _arrived = Stopwatch.GetTimestamp();
    RunningCompletion? _run;
    string? _model, _session, _user;
    RequestIdentity? _identity;
    double? _ttftMs;

    public string RequestId => requestId;

    /// <summary>True once the request has its entry in the ledger.</summary>
    public bool Recorded { get; private set; }

    /// <summary>The meter of the request, if it is one the ledger accounts for.</summary>
    public static UsageMeter? Of(HttpContext http) => http.Features.Get<UsageMeter>();

    /// <summary>The request is read: its model, session and the identity it is served under.</summary>
    public void Describe(string model, string? session, RequestIdentity identity, string? user = null)
    {
        _model = model;
        _session = session;
        _user = user;
        _identity = identity;
    }

    /// <summary>The prompt is prefilled and the sequence is decoding: from now on the request has computed something.</summary>
    public void Started(RunningCompletion run) => _run = run;

    /// <summary>The first token was generated (time to first token, from the request's arrival).</summary>
    public void FirstToken() => _ttftMs ??= Stopwatch.GetElapsedTime(_arrived).TotalMilliseconds;

    /// <summary>The request ran to its end: its account is the usage the client is told.</summary>
    public Task FinishedAsync(OpenAi.Usage usage, FinishReason finish, int reasoningTokens) =>
        CloseAsync(UsageEntry.Told(usage), finish.ToWire(), reasoningTokens, _identity);

    /// <summary>
    /// Ends the account without a finished usage: what was computed, under the status of how it ended (see
    /// <see cref="StatusOf"/>). A request whose identity was refused is in the ledger (the gateway settles it) but bills no one.
    /// </summary>
    public Task EndedAsync(bool clientGone, Exception? failure, RequestIdentity identity, bool identityRefused)
    {
        string status = StatusOf(clientGone, _run is not null, failure);
        UsageEntry entry = _run is not { } run
            ? new UsageEntry(0, 0, 0, status)
            // The engine's count, not what reached the client: tokens generated after the client left were computed all the same.
            : new UsageEntry(run.PromptTokens, run.CachedTokens, run.Generated, status);
        return CloseAsync(entry, null, 0, identityRefused ? null : _identity ?? identity);
    }

    /// <summary>
    /// Cancelled when the client left; rejected when the engine refused the request before running it (an OpenAI
    /// error it chose: a bad or too long request, overload, no prefill capacity); failed when the mesh broke it (an
    /// expert worker, the state store, a server error) or it broke after it had started.
    /// </summary>
    static string StatusOf(bool clientGone, bool started, Exception? failure) =>
        clientGone ? UsageStatus.Cancelled
        : !started && failure is OpenAiException { Status: < 500 or 503 } ? UsageStatus.Rejected
        : UsageStatus.Failed;

    async Task CloseAsync(UsageEntry entry, string? finishReason, int reasoningTokens, RequestIdentity? billed)
    {
        if (Recorded) return;
        Recorded = true;
        ledger.Record(requestId, entry);
        if (emitter is null || billed is null) return;
        await emitter.EmitAsync(requestId, clock.GetUtcNow(), new UsageData
        {
            Tenant = billed.Tenant,
            ApiKeyId = billed.KeyId is { Length: > 0 } key ? key : null,
            Model = _model ?? "",
            PromptTokens = entry.PromptTokens,
            CachedTokens = entry.CachedTokens,
            CompletionTokens = entry.CompletionTokens,
            ReasoningTokens = reasoningTokens,
            Status = entry.Status,
            FinishReason = finishReason,
            TimeToFirstTokenMs = _ttftMs,
            DurationMs = Stopwatch.GetElapsedTime(_arrived).TotalMilliseconds,
            StartedAt = _startedAt,
            SessionId = _session,
            User = _user,
            PrefillPod = _run?.PrefillPod,
            DecodePod = emitter.Pod,
            AccountedBy = UsageData.Engine,
        });
    }
}
