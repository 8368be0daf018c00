using Grpc.Core;

namespace QwenMesh.Engine.State;

/// <summary>
/// The state store cannot be reached (Redis down or timing out, the embedded store's process gone). A request that
/// meets it may be retried later: the API answers 503 with Retry-After, a gRPC service Unavailable.
/// </summary>
public sealed class StateStoreUnavailableException(string message, Exception? inner = null)
    : Exception($"the state store is unavailable: {message}", inner)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>Statuses of a gRPC store call that mean the store, not the request, is at fault.</summary>
    public static bool IsOutage(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal;
}
