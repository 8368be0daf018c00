using System.Text;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// Decodes a stream of ids one at a time for streaming output. A token can end in the middle of a multi-byte
/// character (emoji and CJK are often split over several byte-level tokens), so incomplete trailing UTF-8 is held
/// back until the bytes completing it arrive. The concatenated output equals <see cref="ITokenizer.Decode"/> of all ids.
/// Not thread-safe: use one per stream.
/// </summary>
public sealed class TokenDecoder
{
    private readonly ITokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();

    public TokenDecoder(ITokenizer tokenizer, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>The text completed by <paramref name="id"/>; empty while a character is still incomplete.</summary>
    public string Append(int id)
    {
        if (_skipSpecialTokens && _tokenizer.IsSpecialToken(id))
        {
            return "";
        }
        return Convert(_tokenizer.TokenBytes(id), flush: false);
    }

    /// <summary>The text completed by a batch of ids.</summary>
    public string Append(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            text.Append(Append(id));
        }
        return text.ToString();
    }

    /// <summary>Ends the stream: bytes still held back can no longer complete and come out as U+FFFD.</summary>
    public string Flush()
    {
        string rest = Convert(ReadOnlySpan<byte>.Empty, flush: true);
        _utf8.Reset();
        return rest;
    }

    /// <summary>Forgets held-back bytes so the decoder can start a new stream.</summary>
    public void Reset() => _utf8.Reset();

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        int count = _utf8.GetCharCount(bytes, flush);
        if (count == 0 && bytes.IsEmpty && !flush)
        {
            return "";
        }
        Span<char> chars = count <= 256 ? stackalloc char[count] : new char[count];
        int written = _utf8.GetChars(bytes, chars, flush);
        return new string(chars[..written]);
    }
}
