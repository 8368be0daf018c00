using System.Text;
using System.Text.Json;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class ChatCompletionRequestTests
{
    [Fact]
    public void A_minimal_request_gets_openai_defaults()
    {
        var request = ChatCompletionRequest.Parse(RequestBodies.Chat());

        Assert.Equal("qwen", request.Model);
        var message = Assert.Single(request.Messages);
        Assert.Equal(new RequestMessage("user", "hi", null, message.ToolCalls), message);
        Assert.Empty(message.ToolCalls);
        Assert.Null(request.MaxTokens);
        Assert.Equal(GenerationOptions.Default with { Stop = request.Options.Stop }, request.Options);
        Assert.Empty(request.Options.Stop);
        Assert.Null(request.Conversation.Kwargs);
        Assert.Null(request.Conversation.Tools);
    }

    [Fact]
    public void Every_supported_field_is_read()
    {
        var request = ChatCompletionRequest.Parse(RequestBodies.Chat(
            "'max_tokens':64,'temperature':0.7,'top_p':0.9,'top_k':20,'seed':1234,'stop':['\\n\\n','END'],"
            + "'stream':true,'stream_options':{'include_usage':true},'n':1,'user':'u-1','logprobs':false,"
            + "'chat_template_kwargs':{'enable_thinking':false},"
            + "'tools':[{'type':'function','function':{'name':'get_weather','parameters':{'type':'object'}}}]"));

        Assert.Equal(64, request.MaxTokens);
        var options = request.Options;
        Assert.Equal(0.7, options.Temperature);
        Assert.Equal(0.9, options.TopP);
        Assert.Equal(20, options.TopK);
        Assert.Equal(1234UL, options.Seed);
        Assert.Equal(["\n\n", "END"], options.Stop);
        Assert.True(options.Stream);
        Assert.True(options.IncludeUsage);
        Assert.False(request.Conversation.Kwargs!["enable_thinking"].GetBoolean());
        var tool = Assert.Single(request.Conversation.Tools!);
        Assert.Equal("get_weather", tool.GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public void Tools_outlive_the_parsed_body()
    {
        var request = ChatCompletionRequest.Parse(RequestBodies.Chat("'tools':[{'type':'function','function':{'name':'f'}}]"));
        GC.Collect();
        Assert.Equal("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}", request.Conversation.Tools![0].GetRawText());
    }

    [Theory]
    [InlineData("'max_tokens':10,'max_completion_tokens':20", 20)]
    [InlineData("'max_completion_tokens':20,'max_tokens':10", 20)]
    [InlineData("'max_completion_tokens':7", 7)]
    [InlineData("'max_tokens':7", 7)]
    [InlineData("'max_tokens':null", null)]
    public void Max_completion_tokens_wins_over_max_tokens(string fields, int? expected) =>
        Assert.Equal(expected, ChatCompletionRequest.Parse(RequestBodies.Chat(fields)).MaxTokens);

    [Theory]
    [InlineData("'seed':0", 0UL)]
    [InlineData("'seed':-1", ulong.MaxValue)]
    [InlineData("'seed':9223372036854775807", 9223372036854775807UL)]
    [InlineData("'seed':-9223372036854775808", 9223372036854775808UL)]
    public void A_seed_keeps_the_bit_pattern_of_its_int64(string fields, ulong expected) =>
        Assert.Equal(expected, ChatCompletionRequest.Parse(RequestBodies.Chat(fields)).Options.Seed);

    [Theory]
    [InlineData("'top_k':-1", 0)]
    [InlineData("'top_k':0", 0)]
    [InlineData("'top_k':1", 1)]
    public void Top_k_minus_one_and_zero_both_mean_off(string fields, int expected) =>
        Assert.Equal(expected, ChatCompletionRequest.Parse(RequestBodies.Chat(fields)).Options.TopK);

    [Theory]
    [InlineData("'temperature':0", 0.0)]
    [InlineData("'temperature':2", 2.0)]
    [InlineData("'temperature':1.25", 1.25)]
    public void Temperature_bounds_are_inclusive(string fields, double expected) =>
        Assert.Equal(expected, ChatCompletionRequest.Parse(RequestBodies.Chat(fields)).Options.Temperature);

    [Fact]
    public void A_single_stop_string_becomes_a_list_of_one() =>
        Assert.Equal(["###"], ChatCompletionRequest.Parse(RequestBodies.Chat("'stop':'###'")).Options.Stop);

    [Fact]
    public void Stream_options_without_include_usage_leave_usage_off()
    {
        var options = ChatCompletionRequest.Parse(RequestBodies.Chat("'stream':true,'stream_options':{}")).Options;
        Assert.True(options.Stream);
        Assert.False(options.IncludeUsage);
    }

    [Fact]
    public void Nulls_count_as_absent()
    {
        var request = ChatCompletionRequest.Parse(RequestBodies.Chat(
            "'max_tokens':null,'temperature':null,'top_p':null,'top_k':null,'seed':null,'stop':null,'stream':null,"
            + "'stream_options':null,'n':null,'chat_template_kwargs':null,'tools':null,'user':null,'logprobs':null"));
        Assert.Null(request.MaxTokens);
        Assert.Equal(GenerationOptions.Default with { Stop = request.Options.Stop }, request.Options);
        Assert.Null(request.Conversation.Kwargs);
        Assert.Null(request.Conversation.Tools);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        var request = ChatCompletionRequest.Parse(RequestBodies.Chat(
            "'frequency_penalty':0.5,'response_format':{'type':'text'},'metadata':{'a':[1,2]},'x':null"));
        Assert.Equal("qwen", request.Model);
    }

    [Fact]
    public void Messages_keep_roles_text_reasoning_and_tool_calls()
    {
        var request = ChatCompletionRequest.Parse(RequestBodies.ChatWithMessages(
            "[{'role':'developer','content':'Be brief.'},"
            + "{'role':'user','content':[{'type':'text','text':'What is '},{'type':'text','text':'2+2?'}],'name':'ann'},"
            + "{'role':'assistant','content':null,'reasoning_content':'Use the tool.',"
            + "'tool_calls':[{'id':'call_1','type':'function','function':{'name':'add','arguments':'{\\'a\\':2}'}}]},"
            + "{'role':'tool','tool_call_id':'call_1','content':'4'},"
            + "{'role':'assistant','content':'4'}]"));

        var m = request.Messages;
        Assert.Equal(5, m.Count);
        Assert.Equal(("system", "Be brief."), (m[0].Role, m[0].Content));
        Assert.Equal(("user", "What is 2+2?"), (m[1].Role, m[1].Content));
        Assert.Equal(("assistant", (string?)null, "Use the tool."), (m[2].Role, m[2].Content, m[2].ReasoningContent));
        Assert.Equal(new RequestToolCall("call_1", "add", "{\"a\":2}"), Assert.Single(m[2].ToolCalls));
        Assert.Equal(("tool", "4"), (m[3].Role, m[3].Content));
        Assert.Equal(("assistant", "4", (string?)null), (m[4].Role, m[4].Content, m[4].ReasoningContent));
        Assert.Empty(m[4].ToolCalls);
    }

    [Fact]
    public void Unicode_text_arrives_intact()
    {
        byte[] body = Encoding.UTF8.GetBytes(
            JsonSerializer.Serialize(new { model = "qwen", messages = new[] { new { role = "user", content = "héllo 世界 😀 \u2028" } } }));
        Assert.Equal("héllo 世界 😀 \u2028", ChatCompletionRequest.Parse(body).Messages[0].Content);
    }

    [Fact]
    public void Escaped_text_is_unescaped()
    {
        var request = ChatCompletionRequest.Parse("{\"model\":\"q\",\"messages\":[{\"role\":\"user\",\"content\":\"a\\nb\\u00e9\\ud83d\\ude00\\\"\"}]}"u8);
        Assert.Equal("a\nbé😀\"", request.Messages[0].Content);
    }

    [Theory]
    [InlineData("", "None", true)]
    [InlineData("'tools':[{'type':'function','function':{'name':'f'}}]", "Auto", true)]
    [InlineData("'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':'none','parallel_tool_calls':false", "None", false)]
    [InlineData("'tool_choice':'none'", "None", true)]
    public void Tool_choice_defaults_to_auto_with_tools_and_none_without(string fields, string mode, bool parallel)
    {
        ToolChoice choice = ChatCompletionRequest.Parse(RequestBodies.Chat(fields)).ToolChoice;
        Assert.Equal(Enum.Parse<ToolChoiceMode>(mode), choice.Mode);
        Assert.Equal(parallel, choice.Parallel);
    }
}
