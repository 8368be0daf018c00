using System.Buffers;
using System.Text;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// The UTF-8 bytes each id stands for, packed into one buffer, plus which ids are special. Decoding is then a
/// concatenation of byte runs followed by one lenient UTF-8 decode (invalid sequences become U+FFFD, like
/// Python's errors='replace').
/// </summary>
internal sealed class TokenByteTable
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly bool[] _known;
    private readonly bool[] _special;

    /// <param name="tokens">Bytes per id; null for ids that do not exist.</param>
    /// <param name="specialIds">Ids that skipSpecialTokens removes.</param>
    public TokenByteTable(IReadOnlyList<byte[]?> tokens, IEnumerable<int> specialIds)
    {
        _offsets = new int[tokens.Count + 1];
        _known = new bool[tokens.Count];
        _special = new bool[tokens.Count];
        var buffer = new ArrayBufferWriter<byte>();
        for (int id = 0; id < tokens.Count; id++)
        {
            _offsets[id] = buffer.WrittenCount;
            if (tokens[id] is { } bytes)
            {
                buffer.Write(bytes);
                _known[id] = true;
            }
        }
        _offsets[tokens.Count] = buffer.WrittenCount;
        _bytes = buffer.WrittenSpan.ToArray();
        foreach (int id in specialIds)
        {
            if ((uint)id < (uint)_special.Length)
            {
                _special[id] = true;
            }
        }
    }

    public int Count => _known.Length;

    public bool IsKnown(int id) => (uint)id < (uint)_known.Length && _known[id];

    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    /// <summary>The bytes of <paramref name="id"/>; empty for ids that do not exist.</summary>
    public ReadOnlySpan<byte> Get(int id) =>
        IsKnown(id) ? _bytes.AsSpan(_offsets[id], _offsets[id + 1] - _offsets[id]) : ReadOnlySpan<byte>.Empty;

    /// <summary>Unknown ids are skipped rather than rejected, as the tokenizers library does.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var buffer = new ArrayBufferWriter<byte>();
        foreach (int id in ids)
        {
            if (skipSpecialTokens && IsSpecial(id))
            {
                continue;
            }
            buffer.Write(Get(id));
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
