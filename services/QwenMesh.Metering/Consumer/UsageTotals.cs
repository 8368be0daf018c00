namespace QwenMesh.Metering.Consumer;

/// <summary>
/// What a set of accounted requests adds up to. Counts are 64-bit: a tenant's month of tokens overflows an int.
/// </summary>
public sealed record UsageTotals(long Requests, long PromptTokens, long CachedTokens, long CompletionTokens, long ReasoningTokens)
{
    public static readonly UsageTotals Zero = new(0, 0, 0, 0, 0);

    /// <summary>These totals with one more request of the given token counts.</summary>
    public UsageTotals Plus(Events.UsageData data) => new(
        Requests + 1,
        PromptTokens + data.PromptTokens,
        CachedTokens + data.CachedTokens,
        CompletionTokens + data.CompletionTokens,
        ReasoningTokens + data.ReasoningTokens);
}
