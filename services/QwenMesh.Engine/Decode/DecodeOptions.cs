namespace QwenMesh.Engine.Decode;

/// <summary>Limits of the continuous-batching decode loop (configuration section QwenMesh:Decode).</summary>
public sealed class DecodeOptions
{
    /// <summary>Sequences decoded together in one step.</summary>
    public int MaxBatch { get; set; } = 32;

    /// <summary>Sequences waiting for a batch slot before new requests are refused (back-pressure).</summary>
    public int MaxQueued { get; set; } = 64;

    /// <summary>
    /// Bytes of sequence state the engine may hold: each admitted sequence reserves its current state plus the K/V
    /// its remaining token budget can still add, so admission never overcommits memory.
    /// </summary>
    public long StateMemoryBytes { get; set; } = 8L << 30;

    public const string Section = "QwenMesh:Decode";

    /// <summary>On SIGTERM: seconds running streams get to finish while new requests are refused, before the process exits.</summary>
    public double DrainTimeoutSeconds { get; set; } = 30;
}
