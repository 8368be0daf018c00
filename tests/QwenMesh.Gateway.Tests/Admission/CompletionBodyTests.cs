using System.Text;
using System.Text.Json;
using QwenMesh.Gateway.Admission;

namespace QwenMesh.Gateway.Tests.Admission;

public sealed class CompletionBodyTests
{
    static CompletionBody Prepare(string json, int cap = 100, bool enforce = true) => CompletionBody.Prepare(Encoding.UTF8.GetBytes(json), cap, enforce)!;

    static JsonElement Sent(CompletionBody body) => JsonDocument.Parse(body.Bytes).RootElement;

    [Fact]
    public void A_request_within_the_cap_goes_on_unchanged()
    {
        string json = """{"model":"m","max_tokens":30,"messages":[]}""";
        var body = Prepare(json);
        Assert.Equal(json, Encoding.UTF8.GetString(body.Bytes));
        Assert.Equal(30, body.CompletionBound);
        Assert.Equal("m", body.Model);
    }

    [Fact]
    public void Max_tokens_above_the_cap_is_lowered_and_a_missing_one_is_set_to_the_cap()
    {
        Assert.Equal(100, Sent(Prepare("""{"model":"m","max_tokens":5000}""")).GetProperty("max_tokens").GetInt32());
        var missing = Prepare("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(100, missing.CompletionBound);
        Assert.Equal(100, Sent(missing).GetProperty("max_tokens").GetInt32());
        Assert.Equal("hi", Sent(missing).GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public void Max_completion_tokens_is_the_field_lowered_when_present()
    {
        var body = Sent(Prepare("""{"model":"m","max_tokens":10,"max_completion_tokens":900}"""));
        Assert.Equal(100, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal(10, body.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void The_open_gateway_bounds_its_reservation_but_leaves_the_body_to_decode()
    {
        string json = """{"model":"m","max_tokens":5000}""";
        var body = Prepare(json, enforce: false);
        Assert.Equal(json, Encoding.UTF8.GetString(body.Bytes));
        Assert.Equal(100, body.CompletionBound);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    public void A_body_that_is_not_a_json_object_is_refused(string json) =>
        Assert.Null(CompletionBody.Prepare(Encoding.UTF8.GetBytes(json), 100));

    [Fact]
    public void A_malformed_max_tokens_is_left_for_decode_to_refuse_and_the_cap_bounds_it()
    {
        string json = """{"model":"m","max_tokens":"many"}""";
        var body = Prepare(json);
        Assert.Equal(json, Encoding.UTF8.GetString(body.Bytes));
        Assert.Equal(100, body.CompletionBound);
    }

    [Fact]
    public void With_n_choices_the_bound_is_n_times_the_per_choice_limit()
    {
        Assert.Equal(90, Prepare("""{"model":"m","max_tokens":30,"n":3}""").CompletionBound);
        Assert.Equal(200, Prepare("""{"model":"m","n":2}""").CompletionBound);
        Assert.Equal(30, Prepare("""{"model":"m","max_tokens":30,"n":"x"}""").CompletionBound);
    }

    [Fact]
    public void A_responses_body_is_bounded_by_max_output_tokens()
    {
        Assert.Equal(40, Prepare("""{"model":"m","input":"hi","max_output_tokens":40}""").CompletionBound);
        var missing = Prepare("""{"model":"m","input":"hi"}""");
        Assert.Equal(100, Sent(missing).GetProperty("max_output_tokens").GetInt32());
        Assert.False(Sent(missing).TryGetProperty("max_tokens", out _));
    }
}
