using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class CompletionRequestTests
{
    static OpenAiException Rejected(byte[] body) => Assert.Throws<OpenAiException>(() => CompletionRequest.Parse(body));

    [Fact]
    public void A_minimal_request_gets_openai_defaults()
    {
        var request = CompletionRequest.Parse(RequestBodies.Completion());

        Assert.Equal("qwen", request.Model);
        Assert.Equal("Once upon a time", request.Prompt.Text);
        Assert.Null(request.Prompt.TokenIds);
        Assert.Equal(16, request.MaxTokens);
        Assert.Equal(GenerationOptions.Default with { Stop = request.Options.Stop }, request.Options);
    }

    [Fact]
    public void Sampling_and_streaming_fields_are_read_as_for_chat()
    {
        var request = CompletionRequest.Parse(RequestBodies.Completion(
            "'max_tokens':5,'temperature':0,'top_p':0.5,'top_k':-1,'seed':-2,'stop':'.','stream':true,"
            + "'stream_options':{'include_usage':true},'n':1,'best_of':1,'echo':false,'suffix':null,'logprobs':0"));

        Assert.Equal(5, request.MaxTokens);
        Assert.Equal(new GenerationOptions(0, 0.5, 0, ulong.MaxValue - 1, request.Options.Stop, true, true), request.Options);
        Assert.Equal(["."], request.Options.Stop);
    }

    [Theory]
    [InlineData("['Hello']", "Hello")]
    [InlineData("'Hello'", "Hello")]
    [InlineData("'😀 世界'", "😀 世界")]
    public void A_text_prompt_is_a_string_or_an_array_of_one_string(string prompt, string expected)
    {
        var parsed = CompletionRequest.Parse(RequestBodies.CompletionWithPrompt(prompt)).Prompt;
        Assert.Equal(expected, parsed.Text);
        Assert.Null(parsed.TokenIds);
    }

    [Fact]
    public void A_token_prompt_is_an_array_of_ids()
    {
        var parsed = CompletionRequest.Parse(RequestBodies.CompletionWithPrompt("[151644, 872, 0, 2147483647]")).Prompt;
        Assert.Null(parsed.Text);
        Assert.Equal([151644, 872, 0, 2147483647], parsed.TokenIds!);
    }

    [Theory]
    [InlineData("{'model':'qwen'}", "prompt", "missing_required_parameter")]
    [InlineData("{'model':'qwen','prompt':null}", "prompt", "missing_required_parameter")]
    [InlineData("{'prompt':'x'}", "model", "missing_required_parameter")]
    [InlineData("{'model':'qwen','prompt':5}", "prompt", "invalid_type")]
    [InlineData("{'model':'qwen','prompt':{'text':'x'}}", "prompt", "invalid_type")]
    [InlineData("{'model':'qwen','prompt':''}", "prompt", "empty_string")]
    [InlineData("{'model':'qwen','prompt':['']}", "prompt", "empty_string")]
    [InlineData("{'model':'qwen','prompt':[]}", "prompt", "empty_array")]
    [InlineData("{'model':'qwen','prompt':['a','b']}", "prompt", "unsupported_value")]
    [InlineData("{'model':'qwen','prompt':['a',1]}", "prompt", "unsupported_value")]
    [InlineData("{'model':'qwen','prompt':[1,'a']}", "prompt", "invalid_type")]
    [InlineData("{'model':'qwen','prompt':[[1,2]]}", "prompt", "invalid_type")]
    [InlineData("{'model':'qwen','prompt':[1,2.5]}", "prompt", "invalid_type")]
    [InlineData("{'model':'qwen','prompt':[1,null]}", "prompt", "invalid_type")]
    [InlineData("{'model':'qwen','prompt':[1,-3]}", "prompt", "invalid_value")]
    [InlineData("{'model':'qwen','prompt':[2147483648]}", "prompt", "invalid_value")]
    public void A_bad_prompt_is_a_400_naming_it(string body, string param, string code)
    {
        var error = Rejected(RequestBodies.Json(body));
        Assert.Equal((400, param, code), (error.Status, error.Param, error.Code));
    }

    [Theory]
    [InlineData("'max_tokens':0", "max_tokens", "integer_below_min_value")]
    [InlineData("'max_tokens':'16'", "max_tokens", "invalid_type")]
    [InlineData("'temperature':2.01", "temperature", "decimal_above_max_value")]
    [InlineData("'top_p':-1", "top_p", "integer_below_min_value")]
    [InlineData("'top_k':-7", "top_k", "integer_below_min_value")]
    [InlineData("'seed':true", "seed", "invalid_type")]
    [InlineData("'stop':['a','b','c','d','e']", "stop", "array_above_max_length")]
    [InlineData("'stream':'true'", "stream", "invalid_type")]
    [InlineData("'stream_options':{'include_usage':true}", "stream_options", "invalid_value")]
    [InlineData("'n':17", "n", "integer_above_max_value")]
    [InlineData("'best_of':3", "best_of", "unsupported_value")]
    [InlineData("'echo':true", "echo", "unsupported_value")]
    [InlineData("'echo':'yes'", "echo", "invalid_type")]
    [InlineData("'suffix':' the end'", "suffix", "unsupported_parameter")]
    [InlineData("'suffix':3", "suffix", "invalid_type")]
    [InlineData("'logprobs':6", "logprobs", "integer_above_max_value")]
    [InlineData("'logprobs':true", "logprobs", "invalid_type")]
    public void A_bad_field_is_a_400_naming_it(string fields, string param, string code)
    {
        var error = Rejected(RequestBodies.Completion(fields));
        Assert.Equal((400, "invalid_request_error", param, code), (error.Status, error.Type, error.Param, error.Code));
    }

    [Fact]
    public void An_empty_suffix_means_no_suffix() =>
        Assert.Equal(16, CompletionRequest.Parse(RequestBodies.Completion("'suffix':''")).MaxTokens);

    [Fact]
    public void Malformed_json_is_a_400_without_param()
    {
        var error = Rejected("{\"model\":\"qwen\",\"prompt\":"u8.ToArray());
        Assert.Equal((400, (string?)null), (error.Status, error.Param));
        Assert.StartsWith("invalid JSON", error.Message);
    }
}
