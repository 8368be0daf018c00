namespace QwenMesh.LoadTest.Options;

/// <summary>Everything one run of the load program needs, with the defaults used when an option is absent.</summary>
public sealed record LoadOptions
{
    public Uri BaseUrl { get; init; } = new("http://127.0.0.1:8080/");

    /// <summary>Null means: ask GET /v1/models and take the first model listed.</summary>
    public string? Model { get; init; }

    public IReadOnlyList<int> ConcurrencyLevels { get; init; } = [1];
    public int RequestsPerPhase { get; init; } = 32;
    public int MaxTokens { get; init; } = 128;
    public int PromptWords { get; init; } = 64;

    /// <summary>0 means no long prompts: every request uses <see cref="PromptWords"/>.</summary>
    public int LongPromptWords { get; init; }
    public double LongFraction { get; init; }

    public ulong Seed { get; init; } = 1;
    public bool Sessions { get; init; }
    public int TurnsPerSession { get; init; } = 4;

    /// <summary>Goodput targets; a null target does not constrain goodput.</summary>
    public double? TtftTargetMs { get; init; }
    public double? ItlTargetMs { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);
    public string? ApiKey { get; init; }

    /// <summary>Empty: every request carries <see cref="ApiKey"/> (or nothing). Otherwise requests are shared out by weight.</summary>
    public IReadOnlyList<Tenant> Tenants { get; init; } = [];

    /// <summary>How many times one request refused with 429 is sent again; 0 sends it once.</summary>
    public int Retry429 { get; init; }
    public bool Json { get; init; }

    /// <summary>Where to write the HTML report (latency, throughput and errors over time); null: none.</summary>
    public string? HtmlReport { get; init; }
    public int Warmup { get; init; }
    public double Temperature { get; init; }
    public bool ShowHelp { get; init; }

    public Uri ChatCompletionsUri => new(BaseUrl, "v1/chat/completions");
    public Uri ModelsUri => new(BaseUrl, "v1/models");
    public bool MixedLoad => LongPromptWords > 0 && LongFraction > 0;

    /// <summary>The key for GET /v1/models, which belongs to no tenant: the first tenant's serves.</summary>
    public string? CatalogKey => ApiKey ?? (Tenants.Count > 0 ? Tenants[0].Key : null);
}
