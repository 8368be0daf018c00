using System.Text.Json.Nodes;

namespace QwenMesh.Text.Tests.Templates;

/// <summary>
/// Conversations the template tests render, as clients send them: system prompts, multi-turn chats, tools, tool calls
/// (arguments as OpenAI's JSON strings) and their results, thinking in both forms, content parts with images, and
/// text that is hard to escape. Tool-call arguments avoid booleans: Python prints True where the reference prints true.
/// </summary>
internal static class Conversations
{
    public static readonly JsonArray Tools = (JsonArray)JsonNode.Parse("""
        [
          {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
            "parameters": {"type": "object", "properties": {
              "city": {"type": "string", "description": "City name, e.g. \"Paris\""},
              "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
              "days": {"type": "integer", "minimum": 1, "maximum": 7}},
            "required": ["city"]}}},
          {"type": "function", "function": {"name": "search", "description": "Search the web; returns snippets.",
            "parameters": {"type": "object", "properties": {
              "query": {"type": "string"},
              "filters": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "value": {"type": "string"}}}}},
            "required": ["query"]}}}
        ]
        """)!;

    /// <summary>Tools with described scalar parameters only: what Hermes 3's template can describe.</summary>
    public static readonly JsonArray ScalarTools = (JsonArray)JsonNode.Parse("""
        [{"type": "function", "function": {"name": "lookup", "description": "Look a word up.",
          "parameters": {"type": "object", "properties": {"word": {"type": "string", "description": "The word"},
            "limit": {"type": "integer", "description": "How many senses"}}, "required": ["word"]}}}]
        """)!;

    public static readonly IReadOnlyList<(string Name, JsonArray Messages, JsonArray? Tools)> All =
    [
        ("one user turn", Parse("""[{"role": "user", "content": "Hello!"}]"""), null),
        ("system and user", Parse("""[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "What is 2+2?"}]"""), null),
        ("multi-turn", Parse("""
            [{"role": "system", "content": "Be brief."},
             {"role": "user", "content": "Name a colour."},
             {"role": "assistant", "content": "Blue."},
             {"role": "user", "content": "Another?"},
             {"role": "assistant", "content": "Green."},
             {"role": "user", "content": "And one more."}]
            """), null),
        ("thinking in content and as reasoning_content", Parse("""
            [{"role": "user", "content": "Is 7 prime?"},
             {"role": "assistant", "content": "<think>\nIt has no divisors but 1 and 7.\n</think>\n\nYes."},
             {"role": "user", "content": "And 9?"},
             {"role": "assistant", "content": "No, 9 = 3 x 3.", "reasoning_content": "3 divides 9."},
             {"role": "user", "content": "Thanks"}]
            """), null),
        ("tools offered", Parse("""[{"role": "system", "content": "Use tools when useful."}, {"role": "user", "content": "Weather in Paris?"}]"""), Tools),
        ("tool call round trip", Parse("""
            [{"role": "user", "content": "Weather in Paris for 3 days?"},
             {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"days\": 3, \"unit\": \"celsius\"}"}}]},
             {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"},
             {"role": "assistant", "content": "It is 21.5 C and clear."},
             {"role": "user", "content": "Thanks!"}]
            """), Tools),
        ("parallel tool calls with content", Parse("""
            [{"role": "system", "content": "You can call several tools at once."},
             {"role": "user", "content": "Weather in Oslo and news about it"},
             {"role": "assistant", "content": "Let me check both.", "tool_calls": [
               {"id": "a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}},
               {"id": "b", "type": "function", "function": {"name": "search",
                 "arguments": "{\"query\": \"Oslo news\", \"filters\": [{\"field\": \"lang\", \"value\": \"en\"}]}"}}]},
             {"role": "tool", "tool_call_id": "a", "content": "-3 C, snow"},
             {"role": "tool", "tool_call_id": "b", "content": "Nothing new."}]
            """), Tools),
        ("content parts", Parse("""
            [{"role": "system", "content": [{"type": "text", "text": "Describe things."}]},
             {"role": "user", "content": [{"type": "text", "text": "Part one. "}, {"type": "text", "text": "Part two."}]}]
            """), null),
        ("an image part", Parse("""
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                                          {"type": "text", "text": "What is in the picture?"}]}]
            """), null),
        ("hard text", Parse("""
            [{"role": "system", "content": "Quotes ' and \" and back\\slash; {{ not a tag }} {% neither %}"},
             {"role": "user", "content": "  Leading and trailing spaces  \n\nNew lines, tabs\tand unicode: héllo 你好 🙂 \u0007"}]
            """), null),
        ("scalar tools offered", Parse("""[{"role": "user", "content": "Define 'ebb'."}]"""), ScalarTools),
        ("scalar tool called", Parse("""
            [{"role": "user", "content": "Define 'ebb'."},
             {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function",
               "function": {"name": "lookup", "arguments": "{\"word\": \"ebb\", \"limit\": 2}"}}]},
             {"role": "tool", "tool_call_id": "c", "content": "ebb: the going out of the tide"}]
            """), ScalarTools),
        ("developer role", Parse("""[{"role": "developer", "content": "Answer in French."}, {"role": "user", "content": "Hi"}]"""), null),
    ];

    private static JsonArray Parse(string json) => (JsonArray)JsonNode.Parse(json)!;
}
