namespace QwenMesh.Metering.Events;

/// <summary>How a request ended, as a usage event and decode's ledger say it: the one list of these words.</summary>
public static class UsageStatus
{
    /// <summary>Ran to its end (stop, length, tool_calls): the tokens are the <c>usage</c> the client was told.</summary>
    public const string Finished = "finished";

    /// <summary>The client left first: the tokens are what was computed until the engine dropped the sequence.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The mesh failed it (an expert worker, prefill, state store or pod failure): what was computed.</summary>
    public const string Failed = "failed";

    /// <summary>The upstream said nothing for too long and the gateway gave up on it.</summary>
    public const string Timeout = "timeout";

    /// <summary>Refused by the engine after admission (too long, overloaded), or, when asked for, by the gateway before it.</summary>
    public const string Rejected = "rejected";

    public static readonly IReadOnlyList<string> All = [Finished, Cancelled, Failed, Timeout, Rejected];
}
