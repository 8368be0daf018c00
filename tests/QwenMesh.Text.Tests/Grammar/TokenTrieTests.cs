using System.Text.Json;
using QwenMesh.Text.Grammar;
using QwenMesh.Text.Tests.Tokenization;
using QwenMesh.Text.ToolCalls;

namespace QwenMesh.Text.Tests.Grammar;

/// <summary>
/// The mask's fast paths (plain tokens by character budget inside strings and free text) allow exactly the tokens a
/// byte-by-byte walk of the whole vocabulary allows, at every state random answers pass through: budgets spent, a
/// terminator half matched, escapes and characters left open by a token.
/// </summary>
public sealed class TokenTrieTests
{
    private static readonly Lazy<TokenTrie> Trie = new(() => new TokenTrie(QwenTokenizerFiles.Tokenizer));

    private static List<JsonElement> Tools(string json) => JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();

    public static TheoryData<string, int> Grammars() => new()
    {
        { "short strings", 1 },
        { "long strings", 2 },
        { "xml call", 3 },
        { "xml call with a short value", 4 },
        { "hermes call", 5 },
        { "any object", 6 },
    };

    private static GrammarNode Grammar(string name) => name switch
    {
        "short strings" => JsonGrammar.FromSchema(JsonDocument.Parse("""
            {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 3}, "minItems": 4, "maxItems": 6}
            """).RootElement),
        "long strings" => JsonGrammar.FromSchema(JsonDocument.Parse("""
            {"type": "object", "properties": {"a": {"type": "string", "maxLength": 40}, "b": {"type": "string"}}, "required": ["a", "b"]}
            """).RootElement),
        "xml call" => ToolCallGrammar.For(ToolCallFormat.Xml, Tools("""
            [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}}]
            """), null, parallel: false),
        "xml call with a short value" => ToolCallGrammar.For(ToolCallFormat.Xml, Tools("""
            [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"text": {"type": "string", "maxLength": 2}}, "required": ["text"]}}}]
            """), null, parallel: true),
        "hermes call" => ToolCallGrammar.For(ToolCallFormat.Hermes, Tools("""
            [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"q": {"type": "string", "maxLength": 5}, "n": {"type": "integer"}}, "required": ["q", "n"]}}}]
            """), null, parallel: false),
        _ => JsonGrammar.AnyObject(),
    };

    [Theory]
    [MemberData(nameof(Grammars))]
    public void The_fast_masks_equal_a_walk_of_the_whole_vocabulary(string grammar, int seed)
    {
        var tokenizer = QwenTokenizerFiles.Tokenizer;
        var random = new Random(seed);
        GrammarState? state = GrammarState.Start(Grammar(grammar));
        for (int step = 0; step < 40 && state is { CanContinue: true }; step++)
        {
            var fast = new bool[tokenizer.VocabSize];
            var walked = new bool[tokenizer.VocabSize];
            Trie.Value.Allowed(state, fast);
            Trie.Value.AllowedByWalkingAll(state, walked);
            int[] allowed = Enumerable.Range(0, fast.Length).Where(i => walked[i]).ToArray();
            int[] differ = Enumerable.Range(0, fast.Length).Where(i => fast[i] != walked[i]).Take(5).ToArray();
            Assert.True(differ.Length == 0, $"step {step}: the fast mask differs on {string.Join(", ", differ.Select(i => $"{i} '{tokenizer.Decode([i])}' fast={fast[i]}"))}");
            if (allowed.Length == 0) break;
            // Short tokens half the time, so that budgets, terminators and escapes are reached, not only long words.
            int[] pool = random.Next(2) == 0 ? allowed.Where(i => tokenizer.TokenBytes(i).Length <= 2).DefaultIfEmpty(allowed[0]).ToArray() : allowed;
            int token = pool[random.Next(pool.Length)];
            state = state.Advance(tokenizer.TokenBytes(token));
            Assert.NotNull(state);
        }
    }
}
