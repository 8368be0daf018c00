namespace QwenMesh.Engine.Decode;

/// <summary>The engine cannot take the request now (queue full or state memory exhausted); retry later.</summary>
public sealed class EngineOverloadedException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
