using System.Text;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (Qwen's tokenizer.json) in managed code. Encoding follows the
/// tokenizers pipeline: added tokens are cut out of the raw text first, the rest is NFC-normalized, split by the
/// pre-tokenizer regex, mapped to bytes and merged by BPE rank.
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    public const string TokenizerFileName = "tokenizer.json";
    public const string ConfigFileName = "tokenizer_config.json";

    // Qwen's end markers, used when tokenizer_config.json is absent or to complete its single eos_token: Qwen
    // chat models end a turn with <|im_end|> and base models end documents with <|endoftext|>.
    private static readonly string[] KnownStopTokens = ["<|im_end|>", "<|endoftext|>"];

    private readonly Dictionary<string, int> _tokenIds;
    private readonly string?[] _tokenNames;
    private readonly TokenByteTable _bytes;
    private readonly BpeModel _model;
    private readonly AddedTokenMatcher _rawTokens;
    private readonly AddedTokenMatcher _normalizedTokens;
    private readonly SplitPreTokenizer? _preTokenizer;
    private readonly bool _normalizeNfc;

    private BpeTokenizer(TokenizerDefinition definition, string source)
    {
        _normalizeNfc = definition.NormalizeNfc;
        _preTokenizer = definition.SplitPattern is null ? null : new SplitPreTokenizer(definition.SplitPattern);
        _rawTokens = new AddedTokenMatcher(definition.AddedTokens.Where(t => !t.Normalized));
        _normalizedTokens = new AddedTokenMatcher(definition.AddedTokens.Where(t => t.Normalized));

        _tokenIds = new Dictionary<string, int>(definition.Vocab, StringComparer.Ordinal);
        foreach (AddedToken token in definition.AddedTokens)
        {
            _tokenIds[token.Content] = token.Id;
        }
        int size = _tokenIds.Count == 0 ? 0 : _tokenIds.Values.Max() + 1;
        _tokenNames = new string?[size];
        var tokenBytes = new byte[]?[size];
        foreach ((string spelling, int id) in definition.Vocab)
        {
            _tokenNames[id] = spelling;
            tokenBytes[id] = ByteLevelBytes(spelling);
        }
        foreach (AddedToken token in definition.AddedTokens)
        {
            // Added tokens are emitted verbatim, whatever the vocabulary holds under the same id.
            _tokenNames[token.Id] = token.Content;
            tokenBytes[token.Id] = Encoding.UTF8.GetBytes(token.Content);
        }
        _bytes = new TokenByteTable(tokenBytes, definition.AddedTokens.Where(t => t.Special).Select(t => t.Id));
        _model = new BpeModel(definition.Vocab, ResolveMerges(definition, source), definition.IgnoreMerges);

        EosTokenId = definition.EosToken is null ? TokenToId(KnownStopTokens[0]) : TokenToId(definition.EosToken);
        StopTokenIds = new[] { EosTokenId }
            .Concat(KnownStopTokens.Select(TokenToId))
            .OfType<int>()
            .Distinct()
            .ToArray();
    }

    public int VocabSize => _tokenNames.Length;

    public int? EosTokenId { get; }

    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>
    /// Loads <paramref name="directory"/>/tokenizer.json, and tokenizer_config.json next to it when present.
    /// Throws <see cref="FileNotFoundException"/> or <see cref="ModelFormatException"/> naming the file and problem.
    /// </summary>
    public static BpeTokenizer FromFolder(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string tokenizerPath = Path.Combine(directory, TokenizerFileName);
        TokenizerDefinition definition = TokenizerFileReader.Read(tokenizerPath, Path.Combine(directory, ConfigFileName));
        return new BpeTokenizer(definition, tokenizerPath);
    }

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var segments = new List<TextSegment>();
        _rawTokens.Split(text, segments);
        foreach (TextSegment segment in segments)
        {
            if (segment.IsToken)
            {
                ids.Add(segment.TokenId);
                continue;
            }
            string plain = text.Substring(segment.Start, segment.Length);
            if (_normalizeNfc)
            {
                plain = NfcNormalizer.Normalize(plain);
            }
            EncodeNormalized(plain, ids);
        }
        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false) => _bytes.Decode(ids, skipSpecialTokens);

    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _tokenIds.TryGetValue(token, out int id) ? id : null;
    }

    public string? IdToToken(int id) => (uint)id < (uint)_tokenNames.Length ? _tokenNames[id] : null;

    public bool IsSpecialToken(int id) => _bytes.IsSpecial(id);

    public ReadOnlySpan<byte> TokenBytes(int id) => _bytes.Get(id);

    private void EncodeNormalized(string text, List<int> ids)
    {
        if (_normalizedTokens.IsEmpty)
        {
            EncodePlain(text, ids);
            return;
        }
        var segments = new List<TextSegment>();
        _normalizedTokens.Split(text, segments);
        foreach (TextSegment segment in segments)
        {
            if (segment.IsToken)
            {
                ids.Add(segment.TokenId);
            }
            else
            {
                EncodePlain(text.AsSpan(segment.Start, segment.Length), ids);
            }
        }
    }

    private void EncodePlain(ReadOnlySpan<char> text, List<int> ids)
    {
        if (_preTokenizer is null)
        {
            _model.Encode(text, ids);
            return;
        }
        var pieces = new List<(int Start, int Length)>();
        _preTokenizer.Split(text, pieces);
        foreach ((int start, int length) in pieces)
        {
            _model.Encode(text.Slice(start, length), ids);
        }
    }

    // A vocabulary entry spells bytes with the GPT-2 alphabet; an entry with a character outside that alphabet is
    // taken as literal text, as the ByteLevel decoder does.
    private static byte[] ByteLevelBytes(string spelling)
    {
        var bytes = new byte[spelling.Length];
        for (int i = 0; i < spelling.Length; i++)
        {
            if (!ByteLevelAlphabet.TryGetByte(spelling[i], out bytes[i]))
            {
                return Encoding.UTF8.GetBytes(spelling);
            }
        }
        return bytes;
    }

    private static List<(int, int, int)> ResolveMerges(TokenizerDefinition definition, string source)
    {
        var merges = new List<(int, int, int)>(definition.Merges.Count);
        for (int rank = 0; rank < definition.Merges.Count; rank++)
        {
            (string left, string right) = definition.Merges[rank];
            if (!definition.Vocab.TryGetValue(left, out int leftId)
                || !definition.Vocab.TryGetValue(right, out int rightId)
                || !definition.Vocab.TryGetValue(left + right, out int mergedId))
            {
                throw new ModelFormatException(
                    $"{source}: model.merges[{rank}] ('{left}' '{right}') uses a token that is not in model.vocab");
            }
            merges.Add((leftId, rightId, mergedId));
        }
        return merges;
    }
}
