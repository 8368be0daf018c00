using System.Text.Json;

namespace QwenMesh.Text.Tokenization;

/// <summary>
/// Reads a Hugging Face tokenizer.json (and optional tokenizer_config.json) into a <see cref="TokenizerDefinition"/>.
/// Only byte-level BPE pipelines are accepted; anything else is refused with the file and field named, because a
/// tokenizer that silently tokenizes differently from the model's training is worse than none.
/// </summary>
internal static class TokenizerFileReader
{
    // What the ByteLevel pre-tokenizer splits with when its use_regex is on (GPT-2's pattern).
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static TokenizerDefinition Read(string tokenizerPath, string? configPath)
    {
        string? eos = configPath is not null && File.Exists(configPath) ? ReadEosToken(configPath) : null;
        using JsonDocument document = Parse(tokenizerPath);
        try
        {
            return Read(tokenizerPath, document.RootElement, eos);
        }
        catch (InvalidOperationException e)
        {
            // JsonElement accessors throw this when a value has the wrong kind (say, a number where a string belongs).
            throw Malformed(tokenizerPath, $"a value has the wrong JSON type ({e.Message})");
        }
    }

    private static TokenizerDefinition Read(string tokenizerPath, JsonElement root, string? eos)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(tokenizerPath, "the top level is not a JSON object");
        }
        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(tokenizerPath, "'model' is missing or not an object");
        }
        CheckModel(tokenizerPath, model);
        Dictionary<string, int> vocab = ReadVocab(tokenizerPath, model);
        List<(string, string)> merges = ReadMerges(tokenizerPath, model);
        bool ignoreMerges = model.TryGetProperty("ignore_merges", out JsonElement ignore) && ignore.ValueKind == JsonValueKind.True;
        List<AddedToken> added = ReadAddedTokens(tokenizerPath, root);
        bool nfc = ReadNormalizer(tokenizerPath, Optional(root, "normalizer"));
        string? pattern = null;
        ReadPreTokenizer(tokenizerPath, Optional(root, "pre_tokenizer"), ref pattern);
        CheckDecoder(tokenizerPath, Optional(root, "decoder"));
        return new TokenizerDefinition(vocab, merges, added, pattern, nfc, ignoreMerges, eos);
    }

    private static JsonDocument Parse(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Tokenizer file not found: {path}", path);
        }
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw Malformed(path, $"not valid JSON ({e.Message})");
        }
    }

    private static void CheckModel(string path, JsonElement model)
    {
        string type = Optional(model, "type")?.GetString() ?? "BPE";
        if (type != "BPE")
        {
            throw Malformed(path, $"model.type '{type}' is not supported (only byte-level BPE is)");
        }
        if (Optional(model, "byte_fallback")?.ValueKind == JsonValueKind.True)
        {
            throw Malformed(path, "model.byte_fallback is not supported (only byte-level BPE is)");
        }
        foreach (string affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (Optional(model, affix) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 })
            {
                throw Malformed(path, $"model.{affix} is not supported");
            }
        }
    }

    private static Dictionary<string, int> ReadVocab(string path, JsonElement model)
    {
        if (!model.TryGetProperty("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(path, "model.vocab is missing or not an object");
        }
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw Malformed(path, $"model.vocab entry '{entry.Name}' does not map to a non-negative integer id");
            }
            result[entry.Name] = id;
        }
        return result;
    }

    private static List<(string, string)> ReadMerges(string path, JsonElement model)
    {
        if (!model.TryGetProperty("merges", out JsonElement merges) || merges.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(path, "model.merges is missing or not an array");
        }
        var result = new List<(string, string)>(merges.GetArrayLength());
        int index = 0;
        foreach (JsonElement merge in merges.EnumerateArray())
        {
            // Two spellings exist: "left right" (older files) and ["left", "right"] (needed when a token has a space).
            (string?, string?) pair = merge.ValueKind switch
            {
                JsonValueKind.String when merge.GetString()!.Split(' ') is [var l, var r] => (l, r),
                JsonValueKind.Array when merge.GetArrayLength() == 2 => (merge[0].GetString(), merge[1].GetString()),
                _ => (null, null),
            };
            if (pair is not (string left, string right))
            {
                throw Malformed(path, $"model.merges[{index}] is not a pair of tokens");
            }
            result.Add((left, right));
            index++;
        }
        return result;
    }

    private static List<AddedToken> ReadAddedTokens(string path, JsonElement root)
    {
        var result = new List<AddedToken>();
        if (Optional(root, "added_tokens") is not { } tokens)
        {
            return result;
        }
        if (tokens.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(path, "'added_tokens' is not an array");
        }
        int index = 0;
        foreach (JsonElement token in tokens.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Object
                || Optional(token, "id") is not { ValueKind: JsonValueKind.Number } id || !id.TryGetInt32(out int value) || value < 0
                || Optional(token, "content") is not { ValueKind: JsonValueKind.String } content || content.GetString() is not { Length: > 0 } text)
            {
                throw Malformed(path, $"added_tokens[{index}] needs a non-negative 'id' and a non-empty 'content'");
            }
            result.Add(new AddedToken(value, text, Flag(token, "special"), Flag(token, "lstrip"), Flag(token, "rstrip"),
                Flag(token, "single_word"), Flag(token, "normalized")));
            index++;
        }
        return result;
    }

    private static bool ReadNormalizer(string path, JsonElement? normalizer)
    {
        if (normalizer is not { } n)
        {
            return false;
        }
        string? type = Optional(n, "type")?.GetString();
        if (type == "NFC")
        {
            return true;
        }
        if (type == "Sequence" && Optional(n, "normalizers") is { ValueKind: JsonValueKind.Array } steps)
        {
            bool nfc = false;
            foreach (JsonElement step in steps.EnumerateArray())
            {
                nfc |= ReadNormalizer(path, step);
            }
            return nfc;
        }
        throw Malformed(path, $"normalizer '{type}' is not supported (only NFC is)");
    }

    private static void ReadPreTokenizer(string path, JsonElement? preTokenizer, ref string? pattern)
    {
        if (preTokenizer is not { } p)
        {
            return;
        }
        string? type = Optional(p, "type")?.GetString();
        string? found = null;
        switch (type)
        {
            case "Sequence" when Optional(p, "pretokenizers") is { ValueKind: JsonValueKind.Array } steps:
                foreach (JsonElement step in steps.EnumerateArray())
                {
                    ReadPreTokenizer(path, step, ref pattern);
                }
                return;
            case "ByteLevel":
                if (Flag(p, "add_prefix_space"))
                {
                    throw Malformed(path, "pre_tokenizer ByteLevel.add_prefix_space is not supported");
                }
                found = Optional(p, "use_regex")?.ValueKind == JsonValueKind.False ? null : Gpt2Pattern;
                break;
            case "Split":
                if (Optional(p, "behavior")?.GetString() != "Isolated" || Flag(p, "invert"))
                {
                    throw Malformed(path, "pre_tokenizer Split is only supported with behavior 'Isolated' and invert false");
                }
                JsonElement? spec = Optional(p, "pattern");
                found = Optional(spec, "Regex")?.GetString()
                    ?? (Optional(spec, "String")?.GetString() is { } literal ? System.Text.RegularExpressions.Regex.Escape(literal) : null)
                    ?? throw Malformed(path, "pre_tokenizer Split has no pattern.Regex or pattern.String");
                break;
            default:
                throw Malformed(path, $"pre_tokenizer '{type}' is not supported (only Split and ByteLevel are)");
        }
        if (found is not null && pattern is not null)
        {
            throw Malformed(path, "pre_tokenizer splits with more than one regex, which is not supported");
        }
        pattern ??= found;
    }

    private static void CheckDecoder(string path, JsonElement? decoder)
    {
        string? type = decoder is { } d ? Optional(d, "type")?.GetString() : null;
        if (decoder is not null && type != "ByteLevel")
        {
            throw Malformed(path, $"decoder '{type}' is not supported (only ByteLevel is)");
        }
    }

    private static string? ReadEosToken(string configPath)
    {
        using JsonDocument config = Parse(configPath);
        // eos_token is either the text itself or an AddedToken-like object with a content field.
        JsonElement? eos = Optional(config.RootElement, "eos_token");
        JsonElement? text = eos?.ValueKind == JsonValueKind.Object ? Optional(eos, "content") : eos;
        if (text is { } value && value.ValueKind != JsonValueKind.String)
        {
            throw Malformed(configPath, "eos_token is neither a string nor an object with a string 'content'");
        }
        return text?.GetString();
    }

    /// <summary>A property that is present and not null.</summary>
    private static JsonElement? Optional(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out JsonElement value)
            && value.ValueKind != JsonValueKind.Null ? value : null;

    private static bool Flag(JsonElement element, string name) => Optional(element, name)?.ValueKind == JsonValueKind.True;

    private static ModelFormatException Malformed(string path, string problem) => new($"{path}: {problem}");
}
