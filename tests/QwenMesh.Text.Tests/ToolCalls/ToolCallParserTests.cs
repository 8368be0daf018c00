using System.Text.Json;
using QwenMesh.Text.ToolCalls;

namespace QwenMesh.Text.Tests.ToolCalls;

/// <summary>Both tool-call formats, whole and under every way the stream can be split.</summary>
public sealed class ToolCallParserTests
{
    private static readonly ToolSchemas Schemas = new(JsonDocument.Parse("""
        [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
           "city": {"type": "string"}, "days": {"type": "integer"}, "metric": {"type": "boolean"},
           "where": {"type": "object"}, "scale": {"type": ["number", "null"]}}}}},
         {"type": "function", "function": {"name": "note", "parameters": {"type": "object", "properties": {"text": {"type": "string"}}}}}]
        """).RootElement.EnumerateArray().Select(e => e.Clone()).ToList());

    private const string XmlAnswer =
        "Let me check.\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nSão \"Paulo\"\nline two\n</parameter>\n"
        + "<parameter=days>\n3\n</parameter>\n<parameter=metric>\nTrue\n</parameter>\n<parameter=where>\n{\"lat\": 1.5}\n</parameter>\n"
        + "<parameter=scale>\n2.5\n</parameter>\n<parameter=extra>\n[1, 2]\n</parameter>\n<parameter=free>\nnot json\n</parameter>\n"
        + "</function>\n</tool_call>\n<tool_call>\n<function=note>\n<parameter=text>\n</parameter>\n</function>\n</tool_call>";

    private const string HermesAnswer =
        "Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"nested\": {\"a\": [1, \"}\"]}}}\n</tool_call>\n"
        + "<tool_call>\n{\"arguments\": {\"text\": \"hi\"}, \"name\": \"note\"}\n</tool_call>";

    [Fact]
    public void The_xml_format_becomes_json_arguments_typed_by_the_schema()
    {
        ToolCallTranscript t = ToolCallTranscript.Parse(new XmlToolCallParser(Schemas), XmlAnswer);
        Assert.Equal("Let me check.\n\n", t.Content);
        Assert.Equal(2, t.Calls.Count);
        Assert.Equal("get_weather", t.Calls[0].Name);
        using JsonDocument args = JsonDocument.Parse(t.Calls[0].Arguments);
        JsonElement a = args.RootElement;
        Assert.Equal("São \"Paulo\"\nline two", a.GetProperty("city").GetString());
        Assert.Equal(3, a.GetProperty("days").GetInt32());
        Assert.True(a.GetProperty("metric").GetBoolean());
        Assert.Equal(1.5, a.GetProperty("where").GetProperty("lat").GetDouble());
        Assert.Equal(2.5, a.GetProperty("scale").GetDouble());
        Assert.Equal(JsonValueKind.Array, a.GetProperty("extra").ValueKind);
        Assert.Equal("not json", a.GetProperty("free").GetString());
        Assert.Equal("""{"text": ""}""", t.Calls[1].Arguments);
    }

    [Fact]
    public void The_hermes_format_streams_name_first_calls_and_reads_others_whole()
    {
        ToolCallTranscript t = ToolCallTranscript.Parse(new HermesToolCallParser(), HermesAnswer);
        Assert.Equal("Sure.\n", t.Content);
        Assert.Equal(["get_weather", "note"], t.Calls.Select(c => c.Name));
        Assert.Equal("""{"city": "Oslo", "nested": {"a": [1, "}"]}}""", t.Calls[0].Arguments);
        Assert.Equal("""{"text": "hi"}""", t.Calls[1].Arguments);
    }

    [Fact]
    public void A_hermes_call_that_is_not_json_stays_content()
    {
        const string answer = "a <tool_call>\nnot a call\n</tool_call> b";
        ToolCallTranscript t = ToolCallTranscript.Parse(new HermesToolCallParser(), answer);
        Assert.Equal(answer, t.Content);
        Assert.Empty(t.Calls);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("hermes")]
    public void Every_split_of_the_stream_gives_the_same_answer(string format)
    {
        string answer = format == "xml" ? XmlAnswer : HermesAnswer;
        IToolCallParser Make() => format == "xml" ? new XmlToolCallParser(Schemas) : new HermesToolCallParser();
        ToolCallTranscript whole = ToolCallTranscript.Parse(Make(), answer);
        for (int i = 0; i <= answer.Length; i++)
        {
            for (int j = i; j <= answer.Length; j += 7)
            {
                IToolCallParser parser = Make();
                var t = new ToolCallTranscript();
                t.Add(parser.Feed(answer[..i]));
                t.Add(parser.Feed(answer[i..j]));
                t.Add(parser.Feed(answer[j..]));
                t.Add(parser.Flush());
                Assert.Equal(whole.Content, t.Content);
                Assert.Equal(whole.Calls, t.Calls);
            }
        }
    }

    [Fact]
    public void A_string_value_streams_before_its_closing_tag()
    {
        var parser = new XmlToolCallParser(Schemas);
        var events = parser.Feed("<tool_call>\n<function=note>\n<parameter=text>\nA long value that is still being writ").ToList();
        Assert.Contains(events, e => e is CallStarted { Name: "note" });
        string arguments = string.Concat(events.OfType<ArgumentsText>().Select(a => a.Json));
        Assert.Equal("{\"text\": \"A long value that is still being writ", arguments);
        // A newline may be the value's last one (the template puts one before the closing tag): it waits.
        Assert.Equal("ten", string.Concat(parser.Feed("ten\n").OfType<ArgumentsText>().Select(a => a.Json)));
        Assert.Equal("\\nmore", string.Concat(parser.Feed("more").OfType<ArgumentsText>().Select(a => a.Json)));
    }

    [Theory]
    [InlineData("plain text with a < sign and <b>tags</b>")]
    [InlineData("ends with a partial <tool_ca")]
    [InlineData("<tool_call> but nothing after")]
    public void Text_that_is_not_a_call_is_content(string answer)
    {
        Assert.Equal(answer, ToolCallTranscript.Parse(new XmlToolCallParser(Schemas), answer).Content);
        Assert.Equal(answer, ToolCallTranscript.Parse(new HermesToolCallParser(), answer).Content);
    }

    [Theory]
    [InlineData("x <function=f> y <tool_call> and <parameter=", ToolCallFormat.Xml)]
    [InlineData("{\"name\": <function-name>} <tool_call>", ToolCallFormat.Hermes)]
    [InlineData("no tools here", ToolCallFormat.None)]
    public void The_format_is_the_one_the_template_shows(string template, ToolCallFormat expected) =>
        Assert.Equal(expected, ToolCallFormats.Detect(template));
}
