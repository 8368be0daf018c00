using System.Text.Json.Nodes;

namespace QwenMesh.Text.Tests.Tokenization;

/// <summary>A temporary folder holding a small hand-made tokenizer.json, for tests that must not need the real one.</summary>
internal sealed class TinyTokenizerFolder : IDisposable
{
    public const string QwenPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public TinyTokenizerFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "qwenmesh-tok-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>
    /// Vocabulary a b c Ġ(space) Ċ(newline) ab aa [ W ], merges a+b before a+a, and added tokens exercising
    /// special, longest-match, single_word, lstrip and rstrip.
    /// </summary>
    public static JsonObject Definition() => new()
    {
        ["version"] = "1.0",
        ["normalizer"] = new JsonObject { ["type"] = "NFC" },
        ["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Split",
                    ["pattern"] = new JsonObject { ["Regex"] = QwenPattern },
                    ["behavior"] = "Isolated",
                    ["invert"] = false,
                },
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = false }),
        },
        ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
        ["added_tokens"] = new JsonArray(
            Added(7, "<s>", special: true),
            Added(8, "[W]", singleWord: true),
            Added(9, "[L]", lstrip: true),
            Added(10, "[R]", rstrip: true),
            Added(11, "<s><s>")),
        ["model"] = new JsonObject
        {
            ["type"] = "BPE",
            ["vocab"] = new JsonObject
            {
                ["a"] = 0, ["b"] = 1, ["c"] = 2, ["Ġ"] = 3, ["Ċ"] = 4, ["ab"] = 5, ["aa"] = 6,
                ["["] = 12, ["W"] = 13, ["]"] = 14,
            },
            ["merges"] = new JsonArray(new JsonArray("a", "b"), "a a"),
        },
    };

    public TinyTokenizerFolder Write(JsonNode tokenizer) => WriteText("tokenizer.json", tokenizer.ToJsonString());

    public TinyTokenizerFolder WriteText(string fileName, string text)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, fileName), text);
        return this;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);

    private static JsonObject Added(
        int id, string content, bool special = false, bool singleWord = false, bool lstrip = false, bool rstrip = false) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = singleWord,
        ["lstrip"] = lstrip,
        ["rstrip"] = rstrip,
        ["normalized"] = false,
        ["special"] = special,
    };
}
