namespace QwenMesh.Model.Sampling;

/// <summary>How the next token is chosen. Temperature 0 means greedy; TopK 0 and TopP 1 disable those filters.</summary>
public sealed record SamplingParams(double Temperature = 1.0, int TopK = 0, double TopP = 1.0, ulong? Seed = null)
{
    public static SamplingParams Greedy { get; } = new(Temperature: 0);

    public bool IsGreedy => Temperature <= 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first out-of-range field.</summary>
    public void Validate()
    {
        if (double.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException($"temperature must be >= 0, got {Temperature}");
        if (TopK < 0) throw new ArgumentException($"top_k must be >= 0, got {TopK}");
        if (double.IsNaN(TopP) || TopP <= 0 || TopP > 1) throw new ArgumentException($"top_p must be in (0, 1], got {TopP}");
    }
}
