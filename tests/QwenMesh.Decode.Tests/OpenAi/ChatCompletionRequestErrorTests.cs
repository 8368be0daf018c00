using System.Text;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class ChatCompletionRequestErrorTests
{
    static OpenAiException Rejected(byte[] body) => Assert.Throws<OpenAiException>(() => ChatCompletionRequest.Parse(body));

    static void AssertBadRequest(OpenAiException error, string? param, string? code)
    {
        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Equal(param, error.Param);
        Assert.Equal(code, error.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"model\":}")]
    [InlineData("{\"model\":\"qwen\",}")]
    [InlineData("{\"model\":\"qwen\"} {}")]
    [InlineData("{\"model\":\"qwen\"} x")]
    [InlineData("nul")]
    [InlineData("{'model':'qwen'}")]
    public void Malformed_json_is_a_400_without_param(string body)
    {
        var error = Rejected(Encoding.UTF8.GetBytes(body));
        AssertBadRequest(error, null, null);
        Assert.StartsWith("invalid JSON", error.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void A_body_that_is_not_an_object_is_invalid_json(string body)
    {
        var error = Rejected(Encoding.UTF8.GetBytes(body));
        AssertBadRequest(error, null, null);
        Assert.StartsWith("invalid JSON", error.Message);
    }

    [Fact]
    public void Invalid_utf8_inside_a_string_is_invalid_json()
    {
        byte[] body = [.. "{\"model\":\""u8, 0xC3, 0x28, .. "\",\"messages\":[]}"u8];
        AssertBadRequest(Rejected(body), null, null);
    }

    [Theory]
    [InlineData("{'messages':[{'role':'user','content':'hi'}]}", "model", "missing_required_parameter")]
    [InlineData("{'model':null,'messages':[{'role':'user','content':'hi'}]}", "model", "missing_required_parameter")]
    [InlineData("{'model':7,'messages':[{'role':'user','content':'hi'}]}", "model", "invalid_type")]
    [InlineData("{'model':'','messages':[{'role':'user','content':'hi'}]}", "model", "empty_string")]
    [InlineData("{'model':'qwen'}", "messages", "missing_required_parameter")]
    [InlineData("{'model':'qwen','messages':null}", "messages", "missing_required_parameter")]
    public void Model_and_messages_are_required(string body, string param, string code) =>
        AssertBadRequest(Rejected(RequestBodies.Json(body)), param, code);

    [Theory]
    [InlineData("{}", "messages", "invalid_type")]
    [InlineData("'hi'", "messages", "invalid_type")]
    [InlineData("[]", "messages", "empty_array")]
    [InlineData("[1]", "messages[0]", "invalid_type")]
    [InlineData("[{'content':'hi'}]", "messages[0].role", "missing_required_parameter")]
    [InlineData("[{'role':3,'content':'hi'}]", "messages[0].role", "invalid_type")]
    [InlineData("[{'role':'function','content':'hi'}]", "messages[0].role", "invalid_value")]
    [InlineData("[{'role':'user','content':'a'},{'role':'robot','content':'b'}]", "messages[1].role", "invalid_value")]
    [InlineData("[{'role':'user'}]", "messages[0].content", "missing_required_parameter")]
    [InlineData("[{'role':'user','content':null}]", "messages[0].content", "invalid_type")]
    [InlineData("[{'role':'system','content':5}]", "messages[0].content", "invalid_type")]
    [InlineData("[{'role':'user','content':{'type':'text','text':'hi'}}]", "messages[0].content", "invalid_type")]
    [InlineData("[{'role':'user','content':[]}]", "messages[0].content", "empty_array")]
    [InlineData("[{'role':'user','content':['hi']}]", "messages[0].content[0]", "invalid_type")]
    [InlineData("[{'role':'user','content':[{'text':'hi'}]}]", "messages[0].content[0].type", "missing_required_parameter")]
    [InlineData("[{'role':'user','content':[{'type':'text'}]}]", "messages[0].content[0].text", "missing_required_parameter")]
    [InlineData("[{'role':'user','content':[{'type':'text','text':1}]}]", "messages[0].content[0].text", "invalid_type")]
    [InlineData("[{'role':'user','content':[{'type':'text','text':'a'},{'type':'image_url','image_url':{'url':'x'}}]}]", "messages[0].content[1].type", "unsupported_value")]
    [InlineData("[{'role':'tool','tool_call_id':'c1'}]", "messages[0].content", "missing_required_parameter")]
    [InlineData("[{'role':'user','content':'q'},{'role':'assistant'}]", "messages[1].content", "missing_required_parameter")]
    [InlineData("[{'role':'user','content':'q'},{'role':'assistant','content':null}]", "messages[1].content", "invalid_type")]
    [InlineData("[{'role':'assistant','content':'a','reasoning_content':5}]", "messages[0].reasoning_content", "invalid_type")]
    [InlineData("[{'role':'assistant','content':null,'tool_calls':{}}]", "messages[0].tool_calls", "invalid_type")]
    [InlineData("[{'role':'assistant','content':null,'tool_calls':[]}]", "messages[0].tool_calls", "empty_array")]
    [InlineData("[{'role':'assistant','tool_calls':['x']}]", "messages[0].tool_calls[0]", "invalid_type")]
    [InlineData("[{'role':'assistant','tool_calls':[{'type':'function','function':{'name':'f','arguments':'{}'}}]}]", "messages[0].tool_calls[0].id", "missing_required_parameter")]
    [InlineData("[{'role':'assistant','tool_calls':[{'id':'c','function':{'name':'f','arguments':'{}'}}]}]", "messages[0].tool_calls[0].type", "missing_required_parameter")]
    [InlineData("[{'role':'assistant','tool_calls':[{'id':'c','type':'custom','function':{'name':'f','arguments':'{}'}}]}]", "messages[0].tool_calls[0].type", "invalid_value")]
    [InlineData("[{'role':'assistant','tool_calls':[{'id':'c','type':'function'}]}]", "messages[0].tool_calls[0].function", "missing_required_parameter")]
    [InlineData("[{'role':'assistant','tool_calls':[{'id':'c','type':'function','function':'f'}]}]", "messages[0].tool_calls[0].function", "invalid_type")]
    [InlineData("[{'role':'assistant','tool_calls':[{'id':'c','type':'function','function':{'arguments':'{}'}}]}]", "messages[0].tool_calls[0].function.name", "missing_required_parameter")]
    [InlineData("[{'role':'assistant','tool_calls':[{'id':'c','type':'function','function':{'name':'f','arguments':{'a':1}}}]}]", "messages[0].tool_calls[0].function.arguments", "invalid_type")]
    public void A_bad_message_is_a_400_naming_its_path(string messages, string param, string code) =>
        AssertBadRequest(Rejected(RequestBodies.ChatWithMessages(messages)), param, code);

    [Theory]
    [InlineData("'max_tokens':0", "max_tokens", "integer_below_min_value")]
    [InlineData("'max_tokens':-5", "max_tokens", "integer_below_min_value")]
    [InlineData("'max_tokens':'100'", "max_tokens", "invalid_type")]
    [InlineData("'max_tokens':1.5", "max_tokens", "invalid_type")]
    [InlineData("'max_tokens':10.0", "max_tokens", "invalid_type")]
    [InlineData("'max_tokens':3000000000", "max_tokens", "integer_above_max_value")]
    [InlineData("'max_tokens':100000000000000000000000", "max_tokens", "integer_above_max_value")]
    [InlineData("'max_completion_tokens':0", "max_completion_tokens", "integer_below_min_value")]
    [InlineData("'max_completion_tokens':true", "max_completion_tokens", "invalid_type")]
    [InlineData("'max_tokens':0,'max_completion_tokens':5", "max_tokens", "integer_below_min_value")]
    [InlineData("'temperature':2.5", "temperature", "decimal_above_max_value")]
    [InlineData("'temperature':3", "temperature", "integer_above_max_value")]
    [InlineData("'temperature':-0.1", "temperature", "decimal_below_min_value")]
    [InlineData("'temperature':1e999", "temperature", "decimal_above_max_value")]
    [InlineData("'temperature':'0.7'", "temperature", "invalid_type")]
    [InlineData("'top_p':0", "top_p", "integer_below_min_value")]
    [InlineData("'top_p':0.0", "top_p", "decimal_below_min_value")]
    [InlineData("'top_p':1.01", "top_p", "decimal_above_max_value")]
    [InlineData("'top_p':[1]", "top_p", "invalid_type")]
    [InlineData("'top_k':-2", "top_k", "integer_below_min_value")]
    [InlineData("'top_k':2.5", "top_k", "invalid_type")]
    [InlineData("'top_k':'40'", "top_k", "invalid_type")]
    [InlineData("'seed':'42'", "seed", "invalid_type")]
    [InlineData("'seed':4.2", "seed", "invalid_type")]
    [InlineData("'seed':9223372036854775808", "seed", "integer_above_max_value")]
    [InlineData("'seed':-9223372036854775809", "seed", "integer_below_min_value")]
    [InlineData("'stop':5", "stop", "invalid_type")]
    [InlineData("'stop':{'s':'x'}", "stop", "invalid_type")]
    [InlineData("'stop':''", "stop", "empty_string")]
    [InlineData("'stop':['a','b','c','d','e']", "stop", "array_above_max_length")]
    [InlineData("'stop':['a','']", "stop[1]", "empty_string")]
    [InlineData("'stop':['a',1]", "stop[1]", "invalid_type")]
    [InlineData("'stream':'yes'", "stream", "invalid_type")]
    [InlineData("'stream':1", "stream", "invalid_type")]
    [InlineData("'stream_options':{'include_usage':true}", "stream_options", "invalid_value")]
    [InlineData("'stream':false,'stream_options':{'include_usage':true}", "stream_options", "invalid_value")]
    [InlineData("'stream':true,'stream_options':true", "stream_options", "invalid_type")]
    [InlineData("'stream':true,'stream_options':{'include_usage':'yes'}", "stream_options.include_usage", "invalid_type")]
    [InlineData("'tools':[{'type':'retrieval'}]", "tools[0].type", "invalid_value")]
    [InlineData("'tools':[{'type':'function'}]", "tools[0].function", "missing_required_parameter")]
    [InlineData("'tools':[{'type':'function','function':{}}]", "tools[0].function.name", "missing_required_parameter")]
    [InlineData("'tools':[{'type':'function','function':{'name':'has space'}}]", "tools[0].function.name", "invalid_value")]
    [InlineData("'tools':[{'type':'function','function':{'name':'f'}},{'type':'function','function':{'name':'f'}}]", "tools[1].function.name", "invalid_value")]
    [InlineData("'tools':[{'type':'function','function':{'name':'f','parameters':[]}}]", "tools[0].function.parameters", "invalid_type")]
    [InlineData("'tool_choice':'auto'", "tool_choice", "invalid_value")]
    [InlineData("'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':'sometimes'", "tool_choice", "invalid_value")]
    [InlineData("'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':{'type':'function','function':{'name':'g'}}", "tool_choice.function.name", "invalid_value")]
    [InlineData("'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':{'type':'function'}", "tool_choice.function", "missing_required_parameter")]
    [InlineData("'tools':[{'type':'function','function':{'name':'f'}}],'parallel_tool_calls':'no'", "parallel_tool_calls", "invalid_type")]
    [InlineData("'n':17", "n", "integer_above_max_value")]
    [InlineData("'n':0", "n", "integer_below_min_value")]
    [InlineData("'n':'1'", "n", "invalid_type")]
    [InlineData("'chat_template_kwargs':true", "chat_template_kwargs", "invalid_type")]
    [InlineData("'chat_template_kwargs':{'enable_thinking':'no'}", "chat_template_kwargs.enable_thinking", "invalid_type")]
    [InlineData("'tools':{}", "tools", "invalid_type")]
    [InlineData("'tools':[]", "tools", "empty_array")]
    [InlineData("'tools':[{'type':'function','function':{'name':'f'}},'g']", "tools[1]", "invalid_type")]
    [InlineData("'user':42", "user", "invalid_type")]
    [InlineData("'top_logprobs':3", "top_logprobs", "invalid_value")]
    [InlineData("'logprobs':'yes'", "logprobs", "invalid_type")]
    public void A_bad_field_is_a_400_naming_it(string fields, string param, string code) =>
        AssertBadRequest(Rejected(RequestBodies.Chat(fields)), param, code);

    [Fact]
    public void More_choices_than_the_server_serves_are_refused_naming_the_limit()
    {
        var error = Rejected(RequestBodies.Chat("'n':17"));
        Assert.Contains("<= 16", error.Message);
    }

    [Fact]
    public void Messages_quote_the_offending_value_and_the_bound()
    {
        Assert.Equal(
            "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 2.5 instead.",
            Rejected(RequestBodies.Chat("'temperature':2.5")).Message);
        Assert.Equal(
            "Invalid 'top_p': decimal below minimum value. Expected a value > 0, but got 0.0 instead.",
            Rejected(RequestBodies.Chat("'top_p':0.0")).Message);
        Assert.Equal(
            "Invalid type for 'max_tokens': expected an integer, but got a string instead.",
            Rejected(RequestBodies.Chat("'max_tokens':'100'")).Message);
        Assert.Equal(
            "Missing required parameter: 'messages[0].role'.",
            Rejected(RequestBodies.ChatWithMessages("[{'content':'hi'}]")).Message);
        Assert.Equal(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            Rejected(RequestBodies.Chat("'stream_options':{'include_usage':true}")).Message);
    }
}
