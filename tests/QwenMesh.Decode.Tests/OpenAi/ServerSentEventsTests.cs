using System.Text;
using QwenMesh.Decode.OpenAi;
using static QwenMesh.Decode.Tests.OpenAi.ResponseText;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class ServerSentEventsTests
{
    [Fact]
    public void An_event_is_a_data_line_and_a_blank_line() =>
        Assert.Equal("data: {\"a\":1}\n\n", Of(ServerSentEvents.Data("{\"a\":1}"u8)));

    [Fact]
    public void The_stream_ends_with_done() => Assert.Equal("data: [DONE]\n\n", Of(ServerSentEvents.Done()));

    [Fact]
    public void Each_call_returns_a_buffer_the_caller_may_own()
    {
        byte[] first = ServerSentEvents.Done();
        first[0] = (byte)'X';
        Assert.Equal("data: [DONE]\n\n", Of(ServerSentEvents.Done()));
    }

    [Fact]
    public void A_whole_streamed_chat_completion_reads_as_openai_sends_it()
    {
        var chunks = new ChatCompletionChunks("chatcmpl-1", 5, "m", includeUsage: true);
        var stream = new MemoryStream();
        foreach (byte[] chunk in new[]
        {
            chunks.RoleChunk(),
            chunks.ReasoningChunk("Hi?"),
            chunks.ContentChunk("Hello"),
            chunks.FinishChunk(FinishReason.Stop),
            chunks.UsageChunk(new Usage(2, 3)),
        })
        {
            stream.Write(ServerSentEvents.Data(chunk));
        }
        stream.Write(ServerSentEvents.Done());

        const string head = "data: {'id':'chatcmpl-1','object':'chat.completion.chunk','created':5,'model':'m',";
        Assert.Equal(
            Expected(
                head + "'choices':[{'index':0,'delta':{'role':'assistant','content':''},'logprobs':null,'finish_reason':null}],'usage':null}\n\n"
                + head + "'choices':[{'index':0,'delta':{'reasoning_content':'Hi?'},'logprobs':null,'finish_reason':null}],'usage':null}\n\n"
                + head + "'choices':[{'index':0,'delta':{'content':'Hello'},'logprobs':null,'finish_reason':null}],'usage':null}\n\n"
                + head + "'choices':[{'index':0,'delta':{},'logprobs':null,'finish_reason':'stop'}],'usage':null}\n\n"
                + head + "'choices':[],'usage':{'prompt_tokens':2,'completion_tokens':3,'total_tokens':5,'prompt_tokens_details':{'cached_tokens':0}}}\n\n"
                + "data: [DONE]\n\n"),
            Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Newlines_in_model_text_never_break_an_event()
    {
        byte[] frame = ServerSentEvents.Data(new CompletionChunks("cmpl-1", 1, "m", false).TextChunk("a\n\nb\r\n"));
        string text = Of(frame);
        Assert.EndsWith("\n\n", text);
        Assert.DoesNotContain('\n', text[..^2]);
        Assert.DoesNotContain('\r', text);
    }
}
