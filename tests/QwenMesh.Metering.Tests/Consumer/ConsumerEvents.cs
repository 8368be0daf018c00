using QwenMesh.Metering.Events;

namespace QwenMesh.Metering.Tests.Consumer;

/// <summary>Usage events for reader and tally tests: only the fields a tally reads vary.</summary>
static class ConsumerEvents
{
    public static UsageEvent Of(string id, string tenant = "acme", string model = "qwen3-tiny", int prompt = 10, int cached = 0,
        int completion = 5, int reasoning = 0, string accountedBy = UsageData.Engine) =>
        new(id, UsageEvent.SourceOf(accountedBy == UsageData.Engine ? "decode" : "gateway", "0"), new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            new UsageData
            {
                Tenant = tenant,
                Model = model,
                PromptTokens = prompt,
                CachedTokens = cached,
                CompletionTokens = completion,
                ReasoningTokens = reasoning,
                Status = UsageStatus.Finished,
                AccountedBy = accountedBy,
            });
}
