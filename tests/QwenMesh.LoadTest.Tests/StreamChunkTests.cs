using System.Text;
using System.Text.Json;
using QwenMesh.LoadTest.Api;

namespace QwenMesh.LoadTest.Tests;

public sealed class StreamChunkTests
{
    [Fact]
    public void Reads_content_and_reasoning_deltas()
    {
        StreamChunk c = StreamChunk.Parse("""{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi","reasoning_content":"hm"}}],"usage":null}""");
        Assert.Equal("Hi", c.Content);
        Assert.Equal("hm", c.Reasoning);
        Assert.True(c.HasText);
        Assert.Null(c.Usage);
        Assert.Null(c.Error);
    }

    [Fact]
    public void Role_only_and_empty_deltas_have_no_text()
    {
        Assert.False(StreamChunk.Parse("""{"choices":[{"delta":{"role":"assistant","content":""}}]}""").HasText);
        Assert.False(StreamChunk.Parse("""{"choices":[{"delta":{"content":null},"finish_reason":"stop"}]}""").HasText);
        Assert.False(StreamChunk.Parse("""{"choices":[]}""").HasText);
    }

    [Fact]
    public void Reads_the_final_usage_with_cached_tokens()
    {
        StreamChunk c = StreamChunk.Parse(
            """{"choices":[],"usage":{"prompt_tokens":120,"completion_tokens":33,"total_tokens":153,"prompt_tokens_details":{"cached_tokens":96}}}""");
        Assert.Equal(new TokenUsage(120, 33, 153, 96), c.Usage);
        Assert.Equal(new TokenUsage(5, 2, 7, 0), StreamChunk.Parse("""{"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}""").Usage);
    }

    [Fact]
    public void An_error_object_mid_stream_is_reported()
    {
        StreamChunk c = StreamChunk.Parse("""{"error":{"message":"engine overloaded","type":"server_error"}}""");
        Assert.Equal("engine overloaded", c.Error);
    }

    [Fact]
    public void Data_that_is_not_a_json_object_is_refused()
    {
        Assert.ThrowsAny<JsonException>(() => StreamChunk.Parse("not json"));
        Assert.ThrowsAny<JsonException>(() => StreamChunk.Parse("[1,2]"));
    }

    [Fact]
    public void Request_body_asks_for_a_stream_with_usage()
    {
        byte[] body = ChatRequestBody.Write("m", [ChatMessage.User("hi \"there\""), ChatMessage.Assistant("yo")], 32, 0);
        JsonElement json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("m", json.GetProperty("model").GetString());
        Assert.True(json.GetProperty("stream").GetBoolean());
        Assert.True(json.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(32, json.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0, json.GetProperty("temperature").GetDouble());
        Assert.Equal("hi \"there\"", json.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal("assistant", json.GetProperty("messages")[1].GetProperty("role").GetString());
        Assert.DoesNotContain("\n", Encoding.UTF8.GetString(body));
    }

    [Theory]
    [InlineData("""{"error":{"message":"queue full","type":"rate_limit"}}""", "queue full")]
    [InlineData("""{"error":"plain"}""", "plain")]
    [InlineData("<html>\n502 Bad Gateway\n</html>", "<html> 502 Bad Gateway </html>")]
    [InlineData("", null)]
    public void Error_bodies_become_one_line(string body, string? expected) =>
        Assert.Equal(expected, ApiErrorBody.FromBody(body));

    [Theory]
    [InlineData("""{"object":"list","data":[{"id":"qwen3.5-2b"},{"id":"other"}]}""", "qwen3.5-2b")]
    [InlineData("""{"data":[]}""", null)]
    [InlineData("nope", null)]
    public void First_model_of_a_listing(string body, string? expected) =>
        Assert.Equal(expected, ModelCatalog.FirstModel(body));
}
