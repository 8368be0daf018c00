namespace QwenMesh.LoadTest.Sse;

/// <summary>One dispatched server-sent event: its type ("message" unless an `event:` field said otherwise) and data.</summary>
public sealed record SseEvent(string Type, string Data)
{
    /// <summary>OpenAI-style streams end with the literal data `[DONE]` rather than by closing silently.</summary>
    public bool IsDone => Data.AsSpan().Trim().SequenceEqual("[DONE]");
}
