namespace QwenMesh.LoadTest.Stats;

/// <summary>
/// The measured results of one phase. Latency distributions cover successful requests only, so a fast
/// 429 does not flatter the end-to-end numbers; ITL pools every gap of every successful request.
/// </summary>
public sealed record PhaseResult
{
    public required int Phase { get; init; }
    public required int Concurrency { get; init; }
    public required int Requests { get; init; }
    public required int Succeeded { get; init; }

    /// <summary>Requests whose last answer was a 429: the server declined them, which is not a failure.</summary>
    public int Refused { get; init; }
    public int Failed => Requests - Succeeded - Refused;

    /// <summary>Failures by HTTP status ("503") or kind ("timeout"), in ascending key order; 429 is never among them.</summary>
    public required IReadOnlyDictionary<string, int> Errors { get; init; }

    /// <summary>The first message seen for each error key, to hint at the cause in the report.</summary>
    public required IReadOnlyDictionary<string, string> ErrorSamples { get; init; }

    /// <summary>Refusals by kind: always requests, tokens and insufficient_quota, then other when seen.</summary>
    public IReadOnlyDictionary<string, int> Refusals { get; init; } = EmptyRefusals;

    /// <summary>The first message seen for each refusal kind.</summary>
    public IReadOnlyDictionary<string, string> RefusalSamples { get; init; } = new Dictionary<string, string>();

    /// <summary>429 answers that were retried (--retry-429).</summary>
    public int Retries { get; init; }

    /// <summary>Set for multi-tenant runs only, in the order the tenants were given.</summary>
    public IReadOnlyList<TenantResult>? Tenants { get; init; }

    /// <summary>Jain's index over the tenants' completion tokens / weight; null without tenants or without tokens.</summary>
    public double? JainFairnessIndex { get; init; }

    public required TimeSpan Wall { get; init; }

    /// <summary>The phase in time slices, by when each request ended (the HTML report's charts).</summary>
    public IReadOnlyList<TimeSlice> Timeline { get; init; } = [];
    public required Distribution? TtftMs { get; init; }
    public required Distribution? ItlMs { get; init; }
    public required Distribution? E2eMs { get; init; }
    public required Distribution? OutputTokensPerSecond { get; init; }

    public required long PromptTokens { get; init; }
    public required long CompletionTokens { get; init; }
    public required long CachedTokens { get; init; }

    /// <summary>Successful requests whose stream had no usage chunk, whose tokens were counted as deltas.</summary>
    public required int RequestsWithoutUsage { get; init; }

    /// <summary>Completion tokens of successful requests per second of wall time.</summary>
    public required double ThroughputTokensPerSecond { get; init; }

    public required Goodput Goodput { get; init; }

    static readonly IReadOnlyDictionary<string, int> EmptyRefusals = PhaseSummarizer.CountRefusals([]);

    /// <summary>Set for mixed loads only: how short and long prompts fared side by side.</summary>
    public PromptClassResult? ShortPrompts { get; init; }
    public PromptClassResult? LongPrompts { get; init; }
}

/// <summary>Latency of the requests of one prompt class in a mixed load.</summary>
public sealed record PromptClassResult(int Requests, int Succeeded, Distribution? TtftMs, Distribution? ItlMs);
