namespace QwenMesh.Engine.State;

/// <summary>
/// Where sequence states live between processes and turns. Values are written and read as async streams and
/// stored in chunks, so a state is never one giant buffer; every key is a lease with a TTL, so nothing abandoned leaks.
/// </summary>
public interface IStateStore
{
    /// <summary>Stores what <paramref name="write"/> writes under <paramref name="key"/>, replacing any earlier value.</summary>
    Task WriteAsync(StateKey key, Func<Stream, Task> write, TimeSpan ttl, CancellationToken cancellation = default);

    /// <summary>
    /// Reads the value with <paramref name="read"/>; null when there is none (never written, expired or already consumed).
    /// With <paramref name="consume"/> the key is claimed atomically and deleted: only one reader ever gets a handoff.
    /// </summary>
    Task<T?> ReadAsync<T>(StateKey key, Func<Stream, Task<T>> read, bool consume, CancellationToken cancellation = default) where T : class;

    /// <summary>Deletes the value; false when there was none.</summary>
    Task<bool> DeleteAsync(StateKey key, CancellationToken cancellation = default);

    /// <summary>The time the value has left, or null when there is none.</summary>
    Task<TimeSpan?> TimeToLiveAsync(StateKey key, CancellationToken cancellation = default);
}
