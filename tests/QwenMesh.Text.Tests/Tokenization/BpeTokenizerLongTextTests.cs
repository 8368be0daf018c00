using System.Text;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

public sealed class BpeTokenizerLongTextTests
{
    private static readonly string[] CommonWords =
    [
        "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not",
        "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were",
        "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would",
        "who", "so", "no", "model", "server", "request", "token", "latency", "throughput", "memory", "however",
    ];

    private static readonly string[] Syllables = ["ka", "lo", "ren", "tis", "mur", "qua", "ble", "ston", "vi", "ght", "ex", "ple"];

    // Encode speed is measured by `./qwenmesh bench` (tokenizer_encode_kb_per_s), not asserted here.
    [Fact]
    public void Encoding_100_kb_of_english_round_trips_and_compresses()
    {
        BpeTokenizer tokenizer = QwenTokenizerFiles.Tokenizer;
        string text = EnglishLikeText(100 * 1024, seed: 20240601);
        IReadOnlyList<int> ids = tokenizer.Encode(text);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.InRange(ids.Count, text.Length / 8, text.Length / 2);
    }

    // Common words plus invented ones, so that most of the BPE work is not served by the word cache.
    private static string EnglishLikeText(int length, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 64);
        while (text.Length < length)
        {
            int words = random.Next(6, 20);
            for (int w = 0; w < words; w++)
            {
                string word = random.Next(10) < 7
                    ? CommonWords[random.Next(CommonWords.Length)]
                    : string.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => Syllables[random.Next(Syllables.Length)]));
                text.Append(w == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
                text.Append(w == words - 1 ? "" : random.Next(12) == 0 ? ", " : " ");
            }
            text.Append(random.Next(8) == 0 ? $" ({random.Next(1900, 2030)}).\n\n" : ". ");
        }
        return text.ToString(0, length);
    }
}
