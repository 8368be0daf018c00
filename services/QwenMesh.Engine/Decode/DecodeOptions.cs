namespace QwenMesh.Engine.Decode;

/// <summary>Limits of the continuous-batching decode loop.</summary>
public sealed record DecodeOptions
{
    /// <summary>Sequences decoded together in one step.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>Sequences waiting for a batch slot before new requests are refused (back-pressure).</summary>
    public int MaxQueued { get; init; } = 64;

    /// <summary>
    /// Bytes of sequence state the engine may hold: each admitted sequence reserves its current state plus the K/V
    /// its remaining token budget can still add, so admission never overcommits memory.
    /// </summary>
    public long StateMemoryBytes { get; init; } = 8L << 30;
}
