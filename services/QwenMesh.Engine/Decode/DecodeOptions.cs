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

    /// <summary>
    /// Requests the decode service runs at once (prefill through the last token); the rest wait their tenant's fair turn.
    /// Null: <see cref="MaxBatch"/>, so nothing waits in the fair queue that the batch could have taken.
    /// </summary>
    public int? AdmissionSlots { get; set; }

    /// <summary>Refuse (403) a request that carries no identity signed by the mesh gateway, instead of serving it as tenant "default".</summary>
    public bool RequireIdentity { get; set; }
}
