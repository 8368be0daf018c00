namespace QwenMesh.LoadTest.Tests.Fakes;

/// <summary>One piece of a scripted event stream, written after waiting its delay.</summary>
public sealed record StreamStep(TimeSpan Delay, string Raw);

/// <summary>What the fake server answers to one chat request.</summary>
public abstract record FakeResponse
{
    private FakeResponse() { }

    /// <summary>200 with text/event-stream, each step flushed on its own after its delay.</summary>
    public sealed record Stream(IReadOnlyList<StreamStep> Steps) : FakeResponse;

    /// <summary>An error status with a JSON body and, when given, Retry-After and retry-after-ms headers.</summary>
    public sealed record Error(int Status, string Body, string? RetryAfter = null, string? RetryAfterMs = null) : FakeResponse;
}
