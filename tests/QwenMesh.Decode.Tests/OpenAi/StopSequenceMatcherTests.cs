using System.Text;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class StopSequenceMatcherTests
{
    public static TheoryData<string, string[]> Cases => new()
    {
        { "hello world", ["world"] },
        { "hello world", ["xyz"] },
        { "aaab", ["aab"] },
        { "abababc", ["ababc"] },
        { "the end. END", ["END", "end"] },
        { "hello world", ["world", "lo w"] },
        { "x STOP y STOP", ["STOP"] },
        { "stop at the start", ["stop"] },
        { "🙂😀 ok 😀!", ["😀!"] },
        { "naïve café ☕ done", ["é ☕", "zzz"] },
        { "line1\n\nline2", ["\n\n"] },
        { "ab", ["abc"] },
        { "answer<|im_end|>", ["<|im", "<|im_end|>"] },
        { "aXbXc", ["Xc", "bXd", "aXbXcZ"] },
        { "", ["x"] },
        { "no stops at all", [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Any_split_of_the_text_gives_the_whole_text_cut_before_the_first_stop(string text, string[] stops)
    {
        var expected = StopReference.Truncate(text, stops);
        foreach (string[] deltas in TextSplits.Of(text))
        {
            var matcher = new StopSequenceMatcher(stops);
            var sent = new StringBuilder();
            string seen = "";
            foreach (string delta in deltas)
            {
                seen += delta;
                var feed = matcher.Feed(delta);
                sent.Append(feed.Text);
                // Nothing is held back longer than it could still be a stop string, and nothing sent is taken back.
                Assert.Equal(StopReference.Releasable(seen, stops), sent.ToString());
                Assert.Equal(StopReference.Truncate(seen, stops).Stopped, feed.Stopped);
            }
            sent.Append(matcher.Flush());
            Assert.Equal(expected, (sent.ToString(), matcher.Stopped));
        }
    }

    [Theory]
    [InlineData("🙂😀 ok 😀! 😀😀", "😀!")]
    [InlineData("x😀😀😀y", "😀😀y")]
    [InlineData("日本語のテキスト。終わり", "。終")]
    public void Deltas_of_whole_code_points_give_deltas_of_whole_code_points(string text, string stop)
    {
        // Strict UTF-8 refuses a lone surrogate: a pair cut in two would reach the client as two U+FFFD.
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var matcher = new StopSequenceMatcher([stop]);
        var sent = new List<string>();
        foreach (var rune in text.EnumerateRunes())
        {
            sent.Add(matcher.Feed(rune.ToString()).Text);
        }
        sent.Add(matcher.Flush());

        Assert.All(sent, piece => strict.GetByteCount(piece));
        Assert.Equal(StopReference.Truncate(text, [stop]).Text, string.Concat(sent));
    }

    [Fact]
    public void A_stop_string_spanning_many_deltas_is_held_back_then_dropped()
    {
        var matcher = new StopSequenceMatcher(["<|end|>"]);
        Assert.Equal(new StopFeed("Hi ", false), matcher.Feed("Hi <"));
        Assert.Equal(new StopFeed("", false), matcher.Feed("|en"));
        Assert.Equal(new StopFeed("", true), matcher.Feed("d|> and more"));
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void A_false_start_is_released_when_it_stops_matching()
    {
        var matcher = new StopSequenceMatcher(["abc"]);
        Assert.Equal(new StopFeed("", false), matcher.Feed("ab"));
        Assert.Equal(new StopFeed("abx", false), matcher.Feed("x"));
    }

    [Fact]
    public void Held_back_text_comes_out_at_the_end()
    {
        var matcher = new StopSequenceMatcher(["abc"]);
        Assert.Equal(new StopFeed("x", false), matcher.Feed("xab"));
        Assert.Equal("ab", matcher.Flush());
        Assert.False(matcher.Stopped);
    }

    [Fact]
    public void After_a_stop_nothing_more_is_sent()
    {
        var matcher = new StopSequenceMatcher(["."]);
        Assert.Equal(new StopFeed("One", true), matcher.Feed("One. Two"));
        Assert.Equal(new StopFeed("", true), matcher.Feed("Three"));
        Assert.Equal("", matcher.Flush());
        Assert.True(matcher.Stopped);
    }

    [Fact]
    public void Without_stop_strings_text_passes_straight_through()
    {
        var matcher = new StopSequenceMatcher([]);
        Assert.Equal(new StopFeed("anything <|", false), matcher.Feed("anything <|"));
    }

    [Fact]
    public void An_empty_stop_string_is_refused() =>
        Assert.Throws<ArgumentException>(() => new StopSequenceMatcher(["a", ""]));
}
