namespace QwenMesh.Text.Tokenization;

/// <summary>
/// GPT-2's reversible byte ⇄ printable-character table used by byte-level BPE vocabularies: printable Latin-1 bytes
/// stand for themselves, the other 68 bytes (controls, space, NBSP, soft hyphen…) take U+0100 onwards in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = BuildCharToByte();

    public static char ToChar(byte value) => ByteToChar[value];

    public static bool TryGetByte(char symbol, out byte value) => CharToByte.TryGetValue(symbol, out value);

    /// <summary>The vocabulary spelling of some UTF-8 bytes.</summary>
    public static string Spell(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = ByteToChar[source[i]];
            }
        });
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (byte)b;
        }
        return map;
    }
}
