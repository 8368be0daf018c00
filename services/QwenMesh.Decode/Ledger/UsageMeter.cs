using QwenMesh.Decode.Completions;

namespace QwenMesh.Decode.Ledger;

/// <summary>
/// One /v1 request's line in the <see cref="UsageLedger"/>, as an HTTP feature: the handler says when it has a finished
/// usage (before the response's last bytes, so a caller holding the whole response finds it), and whatever else
/// happens, <see cref="UsageRecording"/> closes the line from what the meter saw run.
/// </summary>
public sealed class UsageMeter(UsageLedger ledger, string requestId)
{
    RunningCompletion? _run;

    public string RequestId => requestId;

    /// <summary>True once the request has an entry in the ledger.</summary>
    public bool Recorded { get; private set; }

    /// <summary>The meter of the request, if it is one the ledger accounts for.</summary>
    public static UsageMeter? Of(HttpContext http) => http.Features.Get<UsageMeter>();

    /// <summary>The prompt is prefilled and the sequence is decoding: from now on the request has computed something.</summary>
    public void Started(RunningCompletion run) => _run = run;

    /// <summary>The request ran to its end: its entry is the usage the client is told.</summary>
    public void Finished(OpenAi.Usage usage) => Close(UsageEntry.Told(usage));

    /// <summary>Ends the line without a finished usage: what was computed, under the status of how it ended.</summary>
    public void Ended(bool clientGone)
    {
        if (_run is not { } run)
        {
            Close(new UsageEntry(0, 0, 0, clientGone ? UsageEntry.Cancelled : UsageEntry.Rejected));
            return;
        }
        // The engine's count, not what reached the client: tokens generated after the client left were computed all the same.
        Close(new UsageEntry(run.PromptTokens, run.CachedTokens, run.Sequence.Generated, clientGone ? UsageEntry.Cancelled : UsageEntry.Failed));
    }

    void Close(UsageEntry entry)
    {
        if (Recorded) return;
        Recorded = true;
        ledger.Record(requestId, entry);
    }
}
