using QwenMesh.Decode.OpenAi;
using static QwenMesh.Decode.Tests.OpenAi.ResponseText;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class ChatCompletionChunksTests
{
    const string Envelope = "{'id':'chatcmpl-abc','object':'chat.completion.chunk','created':1700000000,'model':'qwen3.5',";

    static readonly ChatCompletionChunks Plain = new("chatcmpl-abc", 1700000000, "qwen3.5", includeUsage: false);
    static readonly ChatCompletionChunks WithUsage = new("chatcmpl-abc", 1700000000, "qwen3.5", includeUsage: true);

    [Fact]
    public void The_first_chunk_announces_the_assistant_role_with_empty_content() =>
        Assert.Equal(
            Expected(Envelope + "'choices':[{'index':0,'delta':{'role':'assistant','content':''},'logprobs':null,'finish_reason':null}]}"),
            Of(Plain.RoleChunk()));

    [Fact]
    public void Content_and_reasoning_travel_in_their_own_delta_fields()
    {
        Assert.Equal(
            Expected(Envelope + "'choices':[{'index':0,'delta':{'content':'Hel'},'logprobs':null,'finish_reason':null}]}"),
            Of(Plain.ContentChunk("Hel")));
        Assert.Equal(
            Expected(Envelope + "'choices':[{'index':0,'delta':{'reasoning_content':'Hmm'},'logprobs':null,'finish_reason':null}]}"),
            Of(Plain.ReasoningChunk("Hmm")));
    }

    [Theory]
    [InlineData(FinishReason.Stop, "stop")]
    [InlineData(FinishReason.Length, "length")]
    public void The_last_choice_chunk_has_an_empty_delta_and_the_finish_reason(FinishReason reason, string wire) =>
        Assert.Equal(
            Expected(Envelope + "'choices':[{'index':0,'delta':{},'logprobs':null,'finish_reason':'" + wire + "'}]}"),
            Of(Plain.FinishChunk(reason)));

    [Fact]
    public void With_include_usage_every_chunk_carries_null_usage_and_a_last_chunk_the_usage()
    {
        Assert.Equal(
            Expected(Envelope + "'choices':[{'index':0,'delta':{'role':'assistant','content':''},'logprobs':null,'finish_reason':null}],'usage':null}"),
            Of(WithUsage.RoleChunk()));
        Assert.Equal(
            Expected(Envelope + "'choices':[{'index':0,'delta':{'content':'x'},'logprobs':null,'finish_reason':null}],'usage':null}"),
            Of(WithUsage.ContentChunk("x")));
        Assert.Equal(
            Expected(Envelope + "'choices':[{'index':0,'delta':{},'logprobs':null,'finish_reason':'stop'}],'usage':null}"),
            Of(WithUsage.FinishChunk(FinishReason.Stop)));
        Assert.Equal(
            Expected(Envelope + "'choices':[],"
                + "'usage':{'prompt_tokens':9,'completion_tokens':3,'total_tokens':12,'prompt_tokens_details':{'cached_tokens':0}}}"),
            Of(WithUsage.UsageChunk(new Usage(9, 3))));
    }

    [Fact]
    public void A_usage_chunk_the_client_did_not_ask_for_is_a_bug() =>
        Assert.Throws<InvalidOperationException>(() => Plain.UsageChunk(new Usage(1, 1)));
}
