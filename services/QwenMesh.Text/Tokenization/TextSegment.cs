namespace QwenMesh.Text.Tokenization;

/// <summary>A slice of the input: either an added token (<see cref="TokenId"/> ≥ 0) or plain text to tokenize.</summary>
internal readonly record struct TextSegment(int Start, int Length, int TokenId)
{
    public bool IsToken => TokenId >= 0;

    public static TextSegment Plain(int start, int length) => new(start, length, -1);
}
