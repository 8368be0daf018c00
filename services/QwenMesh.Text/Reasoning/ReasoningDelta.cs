namespace QwenMesh.Text.Reasoning;

/// <summary>A piece of streamed output split in two: thinking (reasoning_content) and answer (content); either may be empty.</summary>
public readonly record struct ReasoningDelta(string Reasoning, string Content)
{
    public static ReasoningDelta Empty { get; } = new("", "");

    public bool IsEmpty => Reasoning.Length == 0 && Content.Length == 0;
}
