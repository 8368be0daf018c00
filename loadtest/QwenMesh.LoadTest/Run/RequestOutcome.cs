using QwenMesh.LoadTest.Api;
using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest.Run;

/// <summary>What one request measured. Times are milliseconds from the moment the request was sent.</summary>
public sealed record RequestOutcome
{
    public required bool Succeeded { get; init; }

    /// <summary>HTTP status as text ("429") or one of <see cref="ErrorKinds"/>; null on success.</summary>
    public string? ErrorKind { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>
    /// A 429 is the server declining work it was asked not to take, not a fault: reports count it apart from failures.
    /// </summary>
    public bool IsRefusal => ErrorKind == RefusedStatus;

    /// <summary>Kind of a refusal as <see cref="RateLimitRefusal"/> names it; null unless <see cref="IsRefusal"/>.</summary>
    public string? RefusalKind => IsRefusal ? RefusalType ?? RateLimitRefusal.Other : null;

    public string? RefusalType { get; init; }

    /// <summary>The tenant whose key the request carried; null without tenants.</summary>
    public string? Tenant { get; init; }

    /// <summary>Times a 429 was answered by sending the request again (--retry-429); the outcome is the last attempt's.</summary>
    public int Retries { get; init; }

    /// <summary>Retry-After of a 429 or 503, which the virtual user waits out before its next request.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Time to the first delta with text (content or reasoning); null if none came.</summary>
    public double? TtftMs { get; init; }

    /// <summary>Gaps between successive deltas with text: one per delta after the first, however many tokens each holds.</summary>
    public IReadOnlyList<double> GapsMs { get; init; } = [];

    public double E2eMs { get; init; }

    /// <summary>When the request (its last attempt) was sent, in ms from the start of its phase: where it falls on the report's timeline.</summary>
    public double SentAtMs { get; init; }
    public int TextDeltas { get; init; }
    public TokenUsage? Usage { get; init; }
    public bool IsLongPrompt { get; init; }

    /// <summary>The assistant's content, kept only for multi-turn runs that send it back.</summary>
    public string? ReplyText { get; init; }

    /// <summary>Tokens from usage; without usage each text delta is counted as one token.</summary>
    public int OutputTokens => Usage?.CompletionTokens ?? TextDeltas;

    public double? ItlP99Ms => GapsMs.Count == 0 ? null : Percentile.Of(GapsMs, 99);

    /// <summary>Output tokens per second of the whole request, as the user waiting for it sees it.</summary>
    public double? OutputTokensPerSecond => Succeeded && E2eMs > 0 ? OutputTokens / (E2eMs / 1000.0) : null;

    public const string RefusedStatus = "429";

    public static RequestOutcome Refused(string refusalType, string? message, double e2eMs, bool isLongPrompt, TimeSpan? retryAfter = null) =>
        Failure(RefusedStatus, message, e2eMs, isLongPrompt, retryAfter) with { RefusalType = refusalType };

    public static RequestOutcome Failure(string kind, string? message, double e2eMs, bool isLongPrompt, TimeSpan? retryAfter = null) =>
        new()
        {
            Succeeded = false,
            ErrorKind = kind,
            ErrorMessage = message,
            E2eMs = e2eMs,
            IsLongPrompt = isLongPrompt,
            RetryAfter = retryAfter,
        };
}
