namespace QwenMesh.Text.Grammar;

/// <summary>
/// A position inside one node (the meaning of <see cref="A"/>, <see cref="B"/> and <see cref="C"/> is the node's),
/// and what comes after it. Immutable: a position is shared by every token that reaches it.
/// </summary>
internal sealed record Frame(GrammarNode Node, int A, int B, long C, Frame? Next);
