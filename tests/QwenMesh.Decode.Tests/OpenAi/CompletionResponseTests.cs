using QwenMesh.Decode.OpenAi;
using static QwenMesh.Decode.Tests.OpenAi.ResponseText;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class CompletionResponseTests
{
    const string Envelope = "{'id':'cmpl-abc','object':'text_completion','created':1700000000,'model':'qwen3.5',";
    const string UsageJson = "'usage':{'prompt_tokens':4,'completion_tokens':16,'total_tokens':20,'prompt_tokens_details':{'cached_tokens':0}}";

    [Fact]
    public void A_completion_has_openais_text_completion_shape() =>
        Assert.Equal(
            Expected(Envelope + "'choices':[{'text':', there was a','index':0,'logprobs':null,'finish_reason':'length'}]," + UsageJson + "}"),
            Of(new CompletionResponse("cmpl-abc", 1700000000, "qwen3.5", ", there was a", FinishReason.Length, new Usage(4, 16)).ToJson()));

    [Fact]
    public void Streamed_chunks_use_the_same_object_name_and_choice_shape()
    {
        var chunks = new CompletionChunks("cmpl-abc", 1700000000, "qwen3.5", includeUsage: false);
        Assert.Equal(
            Expected(Envelope + "'choices':[{'text':' there','index':0,'logprobs':null,'finish_reason':null}]}"),
            Of(chunks.TextChunk(" there")));
        Assert.Equal(
            Expected(Envelope + "'choices':[{'text':'','index':0,'logprobs':null,'finish_reason':'stop'}]}"),
            Of(chunks.FinishChunk(FinishReason.Stop)));
        Assert.Throws<InvalidOperationException>(() => chunks.UsageChunk(new Usage(4, 16)));
    }

    [Fact]
    public void With_include_usage_chunks_carry_null_usage_and_a_last_chunk_the_usage()
    {
        var chunks = new CompletionChunks("cmpl-abc", 1700000000, "qwen3.5", includeUsage: true);
        Assert.Equal(
            Expected(Envelope + "'choices':[{'text':'a','index':0,'logprobs':null,'finish_reason':null}],'usage':null}"),
            Of(chunks.TextChunk("a")));
        Assert.Equal(
            Expected(Envelope + "'choices':[{'text':'','index':0,'logprobs':null,'finish_reason':'length'}],'usage':null}"),
            Of(chunks.FinishChunk(FinishReason.Length)));
        Assert.Equal(Expected(Envelope + "'choices':[]," + UsageJson + "}"), Of(chunks.UsageChunk(new Usage(4, 16))));
    }
}
