using System.Text.Json;
using QwenMesh.Decode.OpenAi;
using static QwenMesh.Decode.Tests.OpenAi.ResponseText;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class ChatCompletionResponseTests
{
    static readonly Usage SomeUsage = new(PromptTokens: 12, CompletionTokens: 7, CachedTokens: 4);

    [Fact]
    public void A_completion_with_reasoning_has_openais_shape_and_field_order()
    {
        var response = new ChatCompletionResponse(
            "chatcmpl-abc123", 1700000000, "qwen3.5", "Hello!", "The user greets me.", FinishReason.Stop, SomeUsage);

        Assert.Equal(
            Expected("{'id':'chatcmpl-abc123','object':'chat.completion','created':1700000000,'model':'qwen3.5',"
                + "'choices':[{'index':0,'message':{'role':'assistant','content':'Hello!','reasoning_content':'The user greets me.'},"
                + "'logprobs':null,'finish_reason':'stop'}],"
                + "'usage':{'prompt_tokens':12,'completion_tokens':7,'total_tokens':19,'prompt_tokens_details':{'cached_tokens':4}}}"),
            Of(response.ToJson()));
    }

    [Fact]
    public void Without_reasoning_the_field_is_left_out_and_null_content_is_null()
    {
        var plain = new ChatCompletionResponse("chatcmpl-x", 1, "m", "Hi", null, FinishReason.Length, new Usage(3, 2));
        Assert.Equal(
            Expected("{'id':'chatcmpl-x','object':'chat.completion','created':1,'model':'m',"
                + "'choices':[{'index':0,'message':{'role':'assistant','content':'Hi'},'logprobs':null,'finish_reason':'length'}],"
                + "'usage':{'prompt_tokens':3,'completion_tokens':2,'total_tokens':5,'prompt_tokens_details':{'cached_tokens':0}}}"),
            Of(plain.ToJson()));

        var thoughtOnly = plain with { Choices = [plain.Choices[0] with { Content = null, ReasoningContent = "" }] };
        Assert.Contains(Expected("'message':{'role':'assistant','content':null,'reasoning_content':''}"), Of(thoughtOnly.ToJson()));
    }

    [Fact]
    public void Model_text_is_escaped_only_where_json_requires_it()
    {
        var response = new ChatCompletionResponse(
            "chatcmpl-x", 1, "m", "a \"quote\", a \\ and\ta\nline <b>&amp;</b> 'é' 世界", null, FinishReason.Stop, new Usage(1, 1));
        Assert.Contains(
            "\"content\":\"a \\\"quote\\\", a \\\\ and\\ta\\nline <b>&amp;</b> 'é' 世界\"",
            Of(response.ToJson()));
    }

    [Fact]
    public void Any_text_survives_a_round_trip()
    {
        const string text = "😀 emoji, \u0000 nul, \u2028 separator, \u001f control, </script>";
        var response = new ChatCompletionResponse("chatcmpl-x", 1, "m", text, "💭", FinishReason.Stop, new Usage(1, 1));
        using var document = JsonDocument.Parse(response.ToJson());
        var message = document.RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(text, message.GetProperty("content").GetString());
        Assert.Equal("💭", message.GetProperty("reasoning_content").GetString());
    }

    [Fact]
    public void Total_tokens_is_prompt_plus_completion() => Assert.Equal(19, SomeUsage.TotalTokens);
}
