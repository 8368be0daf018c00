namespace QwenMesh.Model.Presets;

/// <summary>The shape of a model the project writes itself (random weights, real HF format).</summary>
public sealed record ModelPreset
{
    public required string Name { get; init; }
    public required int HiddenSize { get; init; }
    public required int Layers { get; init; }
    /// <summary>Every n-th layer is full attention; 1 makes every layer full attention.</summary>
    public required int FullAttentionInterval { get; init; }
    public required int AttentionHeads { get; init; }
    public required int KeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int LinearKeyHeads { get; init; }
    public required int LinearValueHeads { get; init; }
    public required int LinearKeyHeadDim { get; init; }
    public required int LinearValueHeadDim { get; init; }
    public required int Experts { get; init; }
    public required int ExpertsPerToken { get; init; }
    public required int MoeIntermediateSize { get; init; }
    public required int SharedExpertIntermediateSize { get; init; }
    public int ConvKernel { get; init; } = 4;
    /// <summary>151936 is what released Qwen3 checkpoints declare for the Qwen3 tokenizer's 151669 ids.</summary>
    public int VocabSize { get; init; } = 151936;
    public double RopeTheta { get; init; } = 10_000_000;
    public int MaxPositionEmbeddings { get; init; } = 262144;

    /// <summary>For tests: seconds to write and load.</summary>
    public static ModelPreset Tiny { get; } = new()
    {
        Name = "tiny", HiddenSize = 64, Layers = 4, FullAttentionInterval = 4,
        AttentionHeads = 4, KeyValueHeads = 2, HeadDim = 16,
        LinearKeyHeads = 2, LinearValueHeads = 4, LinearKeyHeadDim = 16, LinearValueHeadDim = 16,
        Experts = 8, ExpertsPerToken = 2, MoeIntermediateSize = 32, SharedExpertIntermediateSize = 32,
    };

    /// <summary>For the local demo mesh: quick on two cores, every feature of the real stack present.</summary>
    public static ModelPreset Small { get; } = new()
    {
        Name = "small", HiddenSize = 256, Layers = 8, FullAttentionInterval = 4,
        AttentionHeads = 8, KeyValueHeads = 2, HeadDim = 64,
        LinearKeyHeads = 4, LinearValueHeads = 8, LinearKeyHeadDim = 64, LinearValueHeadDim = 64,
        Experts = 16, ExpertsPerToken = 4, MoeIntermediateSize = 128, SharedExpertIntermediateSize = 128,
    };

    /// <summary>
    /// For the benchmark: the real model's per-layer shapes for attention and DeltaNet heads (head_dim 256,
    /// 2 KV heads, 128-wide DeltaNet heads) at a quarter of its width, so matmuls and state traffic, not
    /// dispatch overhead, dominate a step.
    /// </summary>
    public static ModelPreset Bench { get; } = new()
    {
        Name = "bench", HiddenSize = 1024, Layers = 8, FullAttentionInterval = 4,
        AttentionHeads = 16, KeyValueHeads = 2, HeadDim = 256,
        LinearKeyHeads = 8, LinearValueHeads = 16, LinearKeyHeadDim = 128, LinearValueHeadDim = 128,
        Experts = 64, ExpertsPerToken = 8, MoeIntermediateSize = 256, SharedExpertIntermediateSize = 512,
    };

    public static ModelPreset Named(string name) => name switch
    {
        "tiny" => Tiny,
        "small" => Small,
        "bench" => Bench,
        _ => throw new ArgumentException($"unknown preset '{name}' (tiny, small or bench)"),
    };

    public bool IsFullAttention(int layer) => (layer + 1) % FullAttentionInterval == 0;
}
