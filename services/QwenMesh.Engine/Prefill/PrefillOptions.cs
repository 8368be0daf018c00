namespace QwenMesh.Engine.Prefill;

/// <summary>Limits of prefill batching (configuration section QwenMesh:Prefill).</summary>
public sealed class PrefillOptions
{
    public const string Section = "QwenMesh:Prefill";

    /// <summary>Prompt tokens gathered into one batch at most (one longer prompt still runs alone).</summary>
    public int BatchTokens { get; set; } = 16384;
}
