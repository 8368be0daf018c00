using System.Diagnostics;
using System.Text;
using System.Text.Json;
using QwenMesh.Text.Grammar;
using QwenMesh.Text.Tests.Tokenization;
using QwenMesh.Text.ToolCalls;
using Xunit.Abstractions;

namespace QwenMesh.Text.Tests.Grammar;

/// <summary>
/// Random logits through the constraint over the real Qwen3 vocabulary (what a model with random weights does):
/// the answer always completes, parses and fits its schema.
/// </summary>
public sealed class GrammarConstraintTests(ITestOutputHelper output)
{
    private static readonly Lazy<TokenTrie> Trie = new(() => new TokenTrie(QwenTokenizerFiles.Tokenizer));
    private static readonly HashSet<int> Stops = [151645];

    internal static string Generate(GrammarConstraint constraint, int seed, int maxTokens, out int tokens, Stopwatch? maskClock = null)
    {
        var random = new Random(seed);
        var logits = new float[151936];
        var ids = new List<int>();
        while (ids.Count < maxTokens && !constraint.Finished)
        {
            for (int i = 0; i < logits.Length; i++) logits[i] = (float)random.NextDouble();
            maskClock?.Start();
            constraint.Mask(logits);
            maskClock?.Stop();
            int best = 0;
            for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
            Assert.False(float.IsNegativeInfinity(logits[best]), "the mask allowed nothing");
            constraint.Accept(best);
            ids.Add(best);
        }
        tokens = ids.Count;
        return QwenTokenizerFiles.Tokenizer.Decode(ids.Where(id => !Stops.Contains(id)));
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void A_bounded_schema_always_completes_and_validates()
    {
        JsonElement schema = Json("""
            {"type": "object", "properties": {
               "name": {"type": "string", "minLength": 1, "maxLength": 12},
               "age": {"type": "integer", "minimum": 0, "maximum": 120},
               "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b c", "é"]}, "maxItems": 3},
               "kind": {"anyOf": [{"const": "x"}, {"type": "null"}]},
               "ok": {"type": "boolean"}},
             "required": ["name", "age", "tags", "kind", "ok"], "additionalProperties": false}
            """);
        var validator = global::Json.Schema.JsonSchema.FromText(schema.GetRawText());
        var clock = new Stopwatch();
        int totalTokens = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            var constraint = new GrammarConstraint(Trie.Value, JsonGrammar.FromSchema(schema), Stops, ReasoningStart.Closed, thinkingBudget: null);
            string text = Generate(constraint, seed, 200, out int tokens, clock);
            totalTokens += tokens;
            Assert.True(constraint.Finished, $"seed {seed}: did not finish in 200 tokens: {text}");
            using JsonDocument answer = JsonDocument.Parse(text);
            var result = validator.Evaluate(answer.RootElement);
            Assert.True(result.IsValid, $"seed {seed}: {text} does not fit the schema");
        }
        output.WriteLine($"mask: {clock.Elapsed.TotalMilliseconds * 1000 / totalTokens:F0} us per token over {totalTokens} tokens");
    }

    [Fact]
    public void Any_json_object_parses()
    {
        for (int seed = 0; seed < 5; seed++)
        {
            var constraint = new GrammarConstraint(Trie.Value, JsonGrammar.AnyObject(), Stops, ReasoningStart.Closed, thinkingBudget: null);
            string text = Generate(constraint, seed, 400, out _);
            if (!constraint.Finished) continue; // a free-form object need not end within the budget
            using JsonDocument answer = JsonDocument.Parse(text);
            Assert.Equal(JsonValueKind.Object, answer.RootElement.ValueKind);
        }
    }

    [Fact]
    public void Reasoning_comes_first_and_is_ended_by_its_budget()
    {
        JsonElement schema = Json("""{"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 9}}, "required": ["n"]}""");
        var constraint = new GrammarConstraint(Trie.Value, JsonGrammar.FromSchema(schema), Stops, ReasoningStart.Open, thinkingBudget: 5);
        string text = Generate(constraint, 3, 100, out int tokens);
        Assert.True(constraint.Finished);
        int close = text.IndexOf("</think>", StringComparison.Ordinal);
        Assert.True(close >= 0, text);
        using JsonDocument answer = JsonDocument.Parse(text[(close + "</think>".Length)..]);
        Assert.InRange(answer.RootElement.GetProperty("n").GetInt32(), 1, 9);
    }

    [Fact]
    public void A_reasoning_the_model_opens_is_closed_by_its_budget_and_the_answer_stays_free()
    {
        int think = QwenTokenizerFiles.Tokenizer.TokenToId("<think>")!.Value, close = QwenTokenizerFiles.Tokenizer.TokenToId("</think>")!.Value;
        var constraint = new GrammarConstraint(Trie.Value, answer: null, Stops, ReasoningStart.Optional, thinkingBudget: 4);
        var logits = new float[151936];
        // The model wants to think: <think> is its best first token.
        logits[think] = 10;
        constraint.Mask(logits);
        Assert.Equal(think, Array.IndexOf(logits, logits.Max()));
        constraint.Accept(think);
        var random = new Random(7);
        for (int step = 0; step < 4; step++)
        {
            for (int i = 0; i < logits.Length; i++) logits[i] = (float)random.NextDouble();
            logits[close] = -5; // and does not want to stop
            constraint.Mask(logits);
            Assert.True(float.IsNegativeInfinity(logits[151645]), "no end of turn inside the reasoning");
            int pick = Array.IndexOf(logits, logits.Max());
            Assert.NotEqual(close, pick);
            constraint.Accept(pick);
        }
        Array.Fill(logits, 1f);
        constraint.Mask(logits);
        Assert.Equal(1, logits.Count(v => !float.IsNegativeInfinity(v)));
        Assert.Equal(1f, logits[close]);
        constraint.Accept(close);
        Array.Fill(logits, 1f);
        constraint.Mask(logits);
        Assert.True(logits.Count(v => !float.IsNegativeInfinity(v)) > 150_000, "the answer is free");
        Assert.True(float.IsNegativeInfinity(logits[think]), "no second reasoning part");
    }

    [Fact]
    public void A_budget_of_zero_keeps_the_model_from_opening_a_reasoning_part()
    {
        int think = QwenTokenizerFiles.Tokenizer.TokenToId("<think>")!.Value;
        var constraint = new GrammarConstraint(Trie.Value, answer: null, Stops, ReasoningStart.Optional, thinkingBudget: 0);
        var logits = new float[151936];
        logits[think] = 10;
        constraint.Mask(logits);
        Assert.True(float.IsNegativeInfinity(logits[think]));
    }

    [Theory]
    [InlineData(ToolCallFormat.Xml)]
    [InlineData(ToolCallFormat.Hermes)]
    public void A_required_tool_call_is_a_valid_call_to_an_allowed_tool(ToolCallFormat format)
    {
        var tools = Json("""
            [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
               "city": {"type": "string", "maxLength": 10}, "days": {"type": "integer", "minimum": 1, "maximum": 7},
               "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city", "days"]}}},
             {"type": "function", "function": {"name": "noop", "parameters": {"type": "object", "properties": {}}}}]
            """).EnumerateArray().ToList();
        for (int seed = 0; seed < 8; seed++)
        {
            var constraint = new GrammarConstraint(Trie.Value, ToolCallGrammar.For(format, tools, "get_weather", parallel: false), Stops, ReasoningStart.Closed, null);
            string text = Generate(constraint, seed, 300, out _);
            Assert.True(constraint.Finished, text);
            IToolCallParser parser = format.CreateParser(new ToolSchemas(tools));
            ToolCallTranscript transcript = ToolCallTranscript.Parse(parser, text);
            ParsedToolCall call = Assert.Single(transcript.Calls);
            Assert.Equal("get_weather", call.Name);
            using JsonDocument args = JsonDocument.Parse(call.Arguments);
            Assert.True(args.RootElement.GetProperty("city").GetString()!.EnumerateRunes().Count() <= 10, call.Arguments);
            Assert.InRange(args.RootElement.GetProperty("days").GetInt32(), 1, 7);
        }
    }
}
