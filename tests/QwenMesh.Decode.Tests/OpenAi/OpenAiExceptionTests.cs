using QwenMesh.Decode.OpenAi;
using static QwenMesh.Decode.Tests.OpenAi.ResponseText;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class OpenAiExceptionTests
{
    [Fact]
    public void The_body_always_carries_param_and_code_even_when_null() =>
        Assert.Equal(
            Expected("{'error':{'message':'Something broke.','type':'server_error','param':null,'code':null}}"),
            Of(OpenAiException.ServerError("Something broke.").ToErrorBody()));

    [Fact]
    public void A_bad_request_names_its_param_and_code()
    {
        var error = OpenAiException.BadRequest("Invalid 'n'.", "n", "unsupported_value");
        Assert.Equal((400, "invalid_request_error", "n", "unsupported_value", (TimeSpan?)null), (error.Status, error.Type, error.Param, error.Code, error.RetryAfter));
        Assert.Equal(
            """{"error":{"message":"Invalid 'n'.","type":"invalid_request_error","param":"n","code":"unsupported_value"}}""",
            Of(error.ToErrorBody()));
    }

    [Fact]
    public void Messages_are_escaped_as_json()
    {
        var error = OpenAiException.BadRequest("bad \"x\"\nline");
        Assert.Equal(
            "{\"error\":{\"message\":\"bad \\\"x\\\"\\nline\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}",
            Of(error.ToErrorBody()));
    }

    [Fact]
    public void An_unknown_model_is_openais_404()
    {
        var error = OpenAiException.ModelNotFound("gpt-9");
        Assert.Equal((404, "invalid_request_error", (string?)null, "model_not_found"), (error.Status, error.Type, error.Param, error.Code));
        Assert.Equal("The model `gpt-9` does not exist or you do not have access to it.", error.Message);
        Assert.Equal(404, OpenAiException.NotFound("Unknown route.").Status);
    }

    [Fact]
    public void Overload_is_a_503_with_retry_after()
    {
        var error = OpenAiException.Overloaded(TimeSpan.FromMilliseconds(1500));
        Assert.Equal((503, "overloaded_error"), (error.Status, error.Type));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), error.RetryAfter);
        Assert.Equal(2, error.RetryAfterSeconds);
    }

    [Fact]
    public void Over_quota_is_a_429_rate_limit()
    {
        var error = OpenAiException.Overloaded(TimeSpan.FromSeconds(30), status: 429);
        Assert.Equal((429, "rate_limit_error", "rate_limit_exceeded", 30), (error.Status, error.Type, error.Code, error.RetryAfterSeconds));
    }

    [Fact]
    public void Overload_has_no_other_status() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => OpenAiException.Overloaded(TimeSpan.FromSeconds(1), status: 500));

    [Fact]
    public void Without_retry_after_there_is_no_header_value() =>
        Assert.Null(OpenAiException.BadRequest("x").RetryAfterSeconds);
}
