using System.Text.Json;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Text.ToolCalls;

namespace QwenMesh.Decode.Tests.OpenAi;

/// <summary>Tool calls as OpenAI's wire format carries them, streamed and whole.</summary>
public sealed class ToolCallWireTests
{
    private static readonly ToolSchemas Schemas = new(JsonDocument.Parse(
        """[{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}]""")
        .RootElement.EnumerateArray().Select(e => e.Clone()).ToList());

    private const string TwoCalls =
        "Hi<tool_call>\n<function=f>\n<parameter=q>\nx\n</parameter>\n</function>\n</tool_call>\n"
        + "<tool_call>\n<function=f>\n<parameter=q>\ny\n</parameter>\n</function>\n</tool_call>";

    [Fact]
    public void The_first_chunk_of_a_call_names_it_and_later_ones_carry_arguments()
    {
        var chunks = new ChatCompletionChunks("chatcmpl-1", 1, "m", includeUsage: false);
        JsonElement start = JsonDocument.Parse(chunks.ToolCallChunk(new ToolCallDelta(0, "call_a", "f", ""))).RootElement
            .GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0];
        Assert.Equal(0, start.GetProperty("index").GetInt32());
        Assert.Equal("call_a", start.GetProperty("id").GetString());
        Assert.Equal("function", start.GetProperty("type").GetString());
        Assert.Equal("f", start.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("", start.GetProperty("function").GetProperty("arguments").GetString());

        JsonElement more = JsonDocument.Parse(chunks.ToolCallChunk(new ToolCallDelta(0, null, null, "{\"q\""))).RootElement
            .GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0];
        Assert.False(more.TryGetProperty("id", out _));
        Assert.False(more.GetProperty("function").TryGetProperty("name", out _));
        Assert.Equal("{\"q\"", more.GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("tool_calls", JsonDocument.Parse(chunks.FinishChunk(FinishReason.ToolCalls)).RootElement
            .GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public void A_whole_response_carries_its_calls_with_null_content()
    {
        var response = new ChatCompletionResponse("chatcmpl-1", 1, "m", null, null, FinishReason.ToolCalls, new Usage(3, 4, 0),
            [("call_a", "f", "{\"q\": \"x\"}")]);
        JsonElement message = JsonDocument.Parse(response.ToJson()).RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        JsonElement call = message.GetProperty("tool_calls")[0];
        Assert.Equal("call_a", call.GetProperty("id").GetString());
        Assert.Equal("{\"q\": \"x\"}", call.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    public void Ids_are_unique_and_parallel_tool_calls_false_keeps_the_first_call(bool parallel, int expected)
    {
        var output = new ToolCallOutput(new XmlToolCallParser(Schemas), parallel);
        var (content, calls) = output.Feed(TwoCalls);
        var (_, rest) = output.Flush();
        var all = calls.Concat(rest).ToList();
        Assert.Equal("Hi", content);
        Assert.True(output.Called);
        var ids = all.Where(c => c.Id is not null).Select(c => c.Id!).ToList();
        Assert.Equal(expected, ids.Count);
        Assert.All(ids, id => Assert.Matches("^call_[0-9A-Za-z]{24}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal("{\"q\": \"x\"}", string.Concat(all.Where(c => c.Index == 0).Select(c => c.Arguments)));
    }
}
