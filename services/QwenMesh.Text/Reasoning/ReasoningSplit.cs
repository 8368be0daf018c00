namespace QwenMesh.Text.Reasoning;

/// <summary>
/// A whole output split into thinking and answer. Reasoning is null when the output had no thinking section at all
/// (thinking disabled, or the model answered directly), and "" for an empty &lt;think&gt; block.
/// </summary>
public readonly record struct ReasoningSplit(string? Reasoning, string Content);
