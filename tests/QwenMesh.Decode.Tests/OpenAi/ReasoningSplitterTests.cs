using QwenMesh.Text.Reasoning;
using System.Text;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class ReasoningSplitterTests
{
    public static TheoryData<string, bool, string?, string> Cases => new()
    {
        { "<think>\nLet me think.\n</think>\n\nThe answer is 4.", false, "Let me think.", "The answer is 4." },
        { "Let me think.\n</think>\n\nAnswer", true, "Let me think.", "Answer" },
        { "\nLet me think.\n</think>\n\nAnswer", true, "Let me think.", "Answer" },
        { "Hello there", false, null, "Hello there" },
        { "<think>\nstill thinking", false, "still thinking", "" },
        { "<think>\nstill thinking\n", false, "still thinking\n", "" },
        { "<think>\n\n</think>\n\nHi", false, "", "Hi" },
        { "<think>\n\nA\n\n</think>\n\n\nB", false, "\nA\n", "\nB" },
        { "<think>\nx</think>\ny", false, "x", "y" },
        { "<think></think>", false, "", "" },
        { "<think>a</think>b</think>c", false, "a", "b</think>c" },
        { "Hi <think>x</think>", false, null, "Hi <think>x</think>" },
        { "<thinking>", false, null, "<thinking>" },
        { "<thi", false, null, "<thi" },
        { "a <think> b\n</think>\n\nc", true, "a <think> b", "c" },
        { "<think>\n思考 😀\n</think>\n\n答案 ✓", false, "思考 😀", "答案 ✓" },
        { "<think>\nx\n</think", false, "x\n</think", "" },
        { "<think>\nA < B, C </ D\n</thin k>\n</think>\n\nok", false, "A < B, C </ D\n</thin k>", "ok" },
        { "", false, null, "" },
        { "", true, "", "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Split_strips_the_tags_and_their_framing_newlines(string text, bool startsInReasoning, string? reasoning, string content) =>
        Assert.Equal(new ReasoningSplit(reasoning, content), ReasoningSplitter.Split(text, startsInReasoning));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Streaming_any_split_of_the_text_agrees_with_split(string text, bool startsInReasoning, string? reasoning, string content)
    {
        foreach (string[] deltas in TextSplits.Of(text))
        {
            var splitter = new ReasoningSplitter(startsInReasoning);
            var sentReasoning = new StringBuilder();
            var sentContent = new StringBuilder();
            foreach (string piece in deltas)
            {
                var delta = splitter.Feed(piece);
                sentReasoning.Append(delta.Reasoning);
                sentContent.Append(delta.Content);
            }
            var rest = splitter.Flush();
            sentReasoning.Append(rest.Reasoning);
            sentContent.Append(rest.Content);
            Assert.Equal((reasoning ?? "", content), (sentReasoning.ToString(), sentContent.ToString()));
            Assert.Equal(reasoning is not null, splitter.HasReasoning);
        }
    }

    [Fact]
    public void A_closing_tag_split_across_deltas_is_held_back_and_never_sent()
    {
        var splitter = new ReasoningSplitter(startsInReasoning: false);
        Assert.Equal(new ReasoningDelta("abc", ""), splitter.Feed("<think>\nabc\n</th"));
        Assert.Equal(new ReasoningDelta("", "X"), splitter.Feed("ink>\n\nX"));
        Assert.Equal(new ReasoningDelta("", " Y"), splitter.Feed(" Y"));
        Assert.Equal(ReasoningDelta.Empty, splitter.Flush());
    }

    [Fact]
    public void Plain_content_is_sent_as_soon_as_it_cannot_be_a_think_tag()
    {
        var splitter = new ReasoningSplitter(startsInReasoning: false);
        Assert.Equal(new ReasoningDelta("", "Hel"), splitter.Feed("Hel"));

        var tagLike = new ReasoningSplitter(startsInReasoning: false);
        Assert.True(tagLike.Feed("<").IsEmpty);
        Assert.Equal(new ReasoningDelta("", "<b>"), tagLike.Feed("b>"));
        Assert.False(tagLike.HasReasoning);
    }

    [Fact]
    public void Reasoning_is_sent_as_it_arrives_except_a_newline_that_may_precede_the_closing_tag()
    {
        var splitter = new ReasoningSplitter(startsInReasoning: true);
        Assert.True(splitter.HasReasoning);
        Assert.Equal(new ReasoningDelta("Step 1.", ""), splitter.Feed("Step 1.\n"));
        Assert.Equal(new ReasoningDelta("\nStep 2.", ""), splitter.Feed("Step 2."));
        Assert.Equal(new ReasoningDelta("", ""), splitter.Feed("\n</think>\n"));
        Assert.Equal(new ReasoningDelta("", "Done"), splitter.Feed("\nDone"));
    }

    [Fact]
    public void Thinking_lasts_until_the_closing_tag_so_the_tokens_before_it_count_as_reasoning()
    {
        var splitter = new ReasoningSplitter(startsInReasoning: false);
        var thinking = new List<bool>();
        foreach (string piece in new[] { "<think>", "\n", "plan", "</think>", "\n\n", "answer" })
        {
            thinking.Add(splitter.Thinking);
            splitter.Feed(piece);
        }
        Assert.Equal([true, true, true, true, false, false], thinking);
        Assert.True(splitter.HasReasoning);

        var plain = new ReasoningSplitter(startsInReasoning: false);
        plain.Feed("Hello");
        Assert.False(plain.Thinking);
        Assert.False(plain.HasReasoning);
    }
}
