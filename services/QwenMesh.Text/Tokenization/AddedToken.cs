namespace QwenMesh.Text.Tokenization;

/// <summary>
/// A token matched verbatim in the text before any splitting, as listed in tokenizer.json's <c>added_tokens</c>.
/// <paramref name="Special"/> tokens are the ones dropped by skipSpecialTokens; <paramref name="Normalized"/> ones are
/// matched after normalization instead of on the raw text.
/// </summary>
internal sealed record AddedToken(
    int Id,
    string Content,
    bool Special,
    bool LStrip = false,
    bool RStrip = false,
    bool SingleWord = false,
    bool Normalized = false);
