namespace QwenMesh.LoadTest.Run;

/// <summary>
/// Names of failures that have no HTTP status; failures with one are named by the status code ("429", "503").
/// </summary>
public static class ErrorKinds
{
    /// <summary>The per-request timeout passed before the stream ended.</summary>
    public const string Timeout = "timeout";

    /// <summary>Connecting failed, or the connection broke mid-request.</summary>
    public const string Connection = "connection";

    /// <summary>The stream carried an error object or data that is not a chunk.</summary>
    public const string Stream = "stream";

    /// <summary>The stream closed without `data: [DONE]`.</summary>
    public const string Incomplete = "incomplete";
}
