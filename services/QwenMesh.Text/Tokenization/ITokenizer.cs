namespace QwenMesh.Text.Tokenization;

/// <summary>Text ⇄ token ids for one model. Implementations are immutable once built and safe to share across threads.</summary>
public interface ITokenizer
{
    /// <summary>Number of ids the tokenizer can produce: the highest id + 1.</summary>
    int VocabSize { get; }

    /// <summary>The end-of-sequence token of the chat format (tokenizer_config's eos_token), if there is one.</summary>
    int? EosTokenId { get; }

    /// <summary>Ids that end generation: the eos token and the other end markers the model emits.</summary>
    IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>
    /// Token ids for <paramref name="text"/>. Special and added tokens written in the text (e.g. <c>&lt;|im_start|&gt;</c>)
    /// become their single id.
    /// </summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Text for <paramref name="ids"/>; ids the tokenizer does not know are ignored, broken UTF-8 becomes U+FFFD.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>The id of a vocabulary entry or added token spelled exactly <paramref name="token"/>.</summary>
    int? TokenToId(string token);

    /// <summary>The vocabulary spelling of <paramref name="id"/> (byte-level form for BPE pieces), or null if unknown.</summary>
    string? IdToToken(int id);

    /// <summary>True for ids that <c>skipSpecialTokens</c> removes.</summary>
    bool IsSpecialToken(int id);

    /// <summary>The UTF-8 bytes <paramref name="id"/> contributes to decoded text; empty if unknown.</summary>
    ReadOnlySpan<byte> TokenBytes(int id);
}
