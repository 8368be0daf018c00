using QwenMesh.Text.Reasoning;
using System.Text;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Tests.OpenAi;

/// <summary>
/// Stop strings apply to the generated text as a whole, before it is split into reasoning and content: the output
/// is always what <see cref="ReasoningSplitter.Split"/> makes of the text cut at the first stop string.
/// </summary>
public sealed class ChatOutputFilterTests
{
    public static TheoryData<string, string[], bool, string, string, bool> Cases => new()
    {
        // A stop string met while thinking ends the whole output there: no content at all.
        { "<think>\nabc STOP def\n</think>\n\nanswer", ["STOP"], false, "abc ", "", true },
        // A stop string in the answer cuts the answer; the reasoning is complete.
        { "<think>\nabc\n</think>\n\nans STOP more", ["STOP"], false, "abc", "ans ", true },
        // The tags are generated text too: a stop on the closing tag keeps its framing newline in the reasoning.
        { "abc\n</think>\n\nans", ["</think>"], true, "abc\n", "", true },
        // ...and a stop on "\n\n" hits the blank line after </think> before any answer.
        { "<think>\nhmm\n</think>\n\nHello\n\nWorld", ["\n\n"], false, "hmm", "", true },
        { "plain answer. END tail", ["END"], false, "", "plain answer. ", true },
        { "<think>\nno stop here\n</think>\n\nfine", ["STOP", "\n\n\n"], false, "no stop here", "fine", false },
        { "<think>\n😀 STO\n</think>\n\nSTOP", ["STOP"], false, "😀 STO", "", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stops_cut_the_raw_text_before_reasoning_is_split(
        string text, string[] stops, bool startsInReasoning, string reasoning, string content, bool stopped)
    {
        var (truncated, _) = StopReference.Truncate(text, stops);
        var reference = ReasoningSplitter.Split(truncated, startsInReasoning);
        Assert.Equal((reference.Reasoning ?? "", reference.Content), (reasoning, content));

        foreach (string[] deltas in TextSplits.Of(text))
        {
            var filter = new ChatOutputFilter(stops, startsInReasoning);
            var sentReasoning = new StringBuilder();
            var sentContent = new StringBuilder();
            foreach (string piece in deltas)
            {
                var delta = filter.Feed(piece);
                sentReasoning.Append(delta.Reasoning);
                sentContent.Append(delta.Content);
            }
            var rest = filter.Flush();
            sentReasoning.Append(rest.Reasoning);
            sentContent.Append(rest.Content);
            Assert.Equal((reasoning, content, stopped), (sentReasoning.ToString(), sentContent.ToString(), filter.Stopped));
            Assert.Equal(reference.Reasoning is not null, filter.HasReasoning);
        }
    }

    [Fact]
    public void On_a_stop_everything_held_back_is_released_at_once()
    {
        var filter = new ChatOutputFilter(["END"], startsInReasoning: true);
        Assert.Equal(new ChatOutputDelta("thinking", "", false), filter.Feed("thinking\n</th"));
        // The partial closing tag turns out to be text: the stop ends generation, so it is final reasoning.
        Assert.Equal(new ChatOutputDelta("\n</th", "", true), filter.Feed("END"));
        Assert.Equal(new ChatOutputDelta("", "", true), filter.Feed("more"));
        Assert.Equal(new ChatOutputDelta("", "", true), filter.Flush());
    }

    [Fact]
    public void Without_a_stop_the_end_flushes_held_text()
    {
        var filter = new ChatOutputFilter(["<|user|>"], startsInReasoning: false);
        Assert.Equal(new ChatOutputDelta("", "Bye ", false), filter.Feed("Bye <|us"));
        Assert.Equal(new ChatOutputDelta("", "<|us", false), filter.Flush());
        Assert.False(filter.HasReasoning);
    }
}
