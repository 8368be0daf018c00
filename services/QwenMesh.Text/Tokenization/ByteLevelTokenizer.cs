using System.Text;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// The tokenizer for test checkpoints that ship without tokenizer.json: ids 0–255 are raw UTF-8 bytes, followed by
/// the Qwen chat markers so the chat template still encodes to single ids. No normalization, no merges.
/// </summary>
public sealed class ByteLevelTokenizer : ITokenizer
{
    public const int EndOfTextId = 256;
    public const int ImStartId = 257;
    public const int ImEndId = 258;
    public const int ThinkId = 259;
    public const int EndThinkId = 260;

    // Same flags as Qwen's added tokens: the chat markers are special, the think tags are kept by skipSpecialTokens.
    private static readonly AddedToken[] Markers =
    [
        new(EndOfTextId, "<|endoftext|>", Special: true),
        new(ImStartId, "<|im_start|>", Special: true),
        new(ImEndId, "<|im_end|>", Special: true),
        new(ThinkId, "<think>", Special: false),
        new(EndThinkId, "</think>", Special: false),
    ];

    private readonly AddedTokenMatcher _markers = new(Markers);
    private readonly TokenByteTable _bytes;
    private readonly Dictionary<string, int> _tokenIds = new(StringComparer.Ordinal);
    private readonly string[] _tokenNames = new string[EndThinkId + 1];

    public ByteLevelTokenizer()
    {
        var tokenBytes = new byte[]?[EndThinkId + 1];
        for (int b = 0; b < 256; b++)
        {
            tokenBytes[b] = [(byte)b];
            // Single bytes are named as a byte-level BPE vocabulary spells them (space is "Ġ").
            _tokenNames[b] = ByteLevelAlphabet.ToChar((byte)b).ToString();
        }
        foreach (AddedToken marker in Markers)
        {
            tokenBytes[marker.Id] = Encoding.UTF8.GetBytes(marker.Content);
            _tokenNames[marker.Id] = marker.Content;
        }
        for (int id = 0; id < _tokenNames.Length; id++)
        {
            _tokenIds[_tokenNames[id]] = id;
        }
        _bytes = new TokenByteTable(tokenBytes, Markers.Where(m => m.Special).Select(m => m.Id));
    }

    public int VocabSize => EndThinkId + 1;

    public int? EosTokenId => ImEndId;

    public IReadOnlyList<int> StopTokenIds { get; } = [ImEndId, EndOfTextId];

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length + 4);
        var segments = new List<TextSegment>();
        _markers.Split(text, segments);
        foreach (TextSegment segment in segments)
        {
            if (segment.IsToken)
            {
                ids.Add(segment.TokenId);
                continue;
            }
            foreach (byte b in Encoding.UTF8.GetBytes(text, segment.Start, segment.Length))
            {
                ids.Add(b);
            }
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
}
