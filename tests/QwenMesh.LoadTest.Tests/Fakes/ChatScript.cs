using System.Text.Json;

namespace QwenMesh.LoadTest.Tests.Fakes;

/// <summary>
/// Builds scripted OpenAI-style chat streams: a comment and a role-only chunk at once, then one reasoning
/// delta after the first-token delay, then content deltas each after the gap, then usage and [DONE].
/// </summary>
public static class ChatScript
{
    public static readonly string[] DefaultContent = ["Hello", " world", "!", " Bye"];

    public const string Reasoning = "Thinking";

    public static IReadOnlyList<StreamStep> Answer(
        TimeSpan firstToken, TimeSpan gap, int promptTokens, int completionTokens, int cachedTokens,
        IReadOnlyList<string>? content = null, string newline = "\n", bool done = true)
    {
        string end = newline + newline;
        var steps = new List<StreamStep>
        {
            new(TimeSpan.Zero, ": connected" + end + Data(Chunk("\"role\":\"assistant\",\"content\":\"\"")) + end),
            new(firstToken, Data(Chunk($"\"reasoning_content\":{Quote(Reasoning)}")) + end),
        };
        foreach (string text in content ?? DefaultContent) steps.Add(new StreamStep(gap, Data(Chunk($"\"content\":{Quote(text)}")) + end));

        string usage = $"{{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{{\"prompt_tokens\":{promptTokens},"
            + $"\"completion_tokens\":{completionTokens},\"total_tokens\":{promptTokens + completionTokens},"
            + $"\"prompt_tokens_details\":{{\"cached_tokens\":{cachedTokens}}}}}}}";
        string finish = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}";
        steps.Add(new StreamStep(TimeSpan.Zero, Data(finish) + end + Data(usage) + end + (done ? "data: [DONE]" + end : "")));
        return steps;
    }

    /// <summary>A gateway's 429 body: type requests or tokens with code rate_limit_exceeded, or insufficient_quota for both.</summary>
    public static string RateLimitBody(string type, string message = "rate limit reached") =>
        $"{{\"error\":{{\"message\":{Quote(message)},\"type\":{Quote(type)},\"param\":null,"
        + $"\"code\":{Quote(type == "insufficient_quota" ? "insufficient_quota" : "rate_limit_exceeded")}}}}}";

    public static string ErrorBody(string message) => $"{{\"error\":{{\"message\":{Quote(message)},\"type\":\"server_error\"}}}}";

    static string Chunk(string delta) =>
        $"{{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{{delta}}},\"finish_reason\":null}}]}}";

    static string Data(string json) => "data: " + json;

    static string Quote(string text) => JsonSerializer.Serialize(text);
}
