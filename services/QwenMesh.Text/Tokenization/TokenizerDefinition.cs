namespace QwenMesh.Text.Tokenization;

/// <summary>What a tokenizer.json (plus tokenizer_config.json) says, reduced to what byte-level BPE needs.</summary>
/// <param name="Vocab">Byte-level spelling → id.</param>
/// <param name="Merges">Merge pairs in rank order, as byte-level spellings.</param>
/// <param name="AddedTokens">Tokens matched verbatim before pre-tokenization.</param>
/// <param name="SplitPattern">The pre-tokenizer's regex, or null when the text is not split.</param>
/// <param name="NormalizeNfc">Whether the normalizer is NFC (the only one supported).</param>
/// <param name="IgnoreMerges">BPE ignore_merges: whole words found in the vocabulary skip merging.</param>
/// <param name="EosToken">tokenizer_config's eos_token, when that file exists and names one.</param>
internal sealed record TokenizerDefinition(
    IReadOnlyDictionary<string, int> Vocab,
    IReadOnlyList<(string Left, string Right)> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    string? SplitPattern,
    bool NormalizeNfc,
    bool IgnoreMerges,
    string? EosToken);
