using System.Text;
using QwenMesh.LoadTest.Sse;
using QwenMesh.LoadTest.Tests.Fakes;

namespace QwenMesh.LoadTest.Tests;

public sealed class SseReaderTests
{
    // Covers comments, a multi-line event, an event type, a field without a space, non-ASCII text and [DONE].
    const string Sample =
        ": keep-alive\n\n"
        + "data: {\"a\":1}\n\n"
        + ": comment between fields\n"
        + "data: first line\n"
        + "data: second line\n\n"
        + "event: ping\ndata:tight\n\n"
        + "data: héllo — 你好 🚀\n\n"
        + "id: 7\nretry: 1000\ndata:  two spaces\n\n"
        + "data: [DONE]\n\n";

    static readonly SseEvent[] Expected =
    [
        new("message", "{\"a\":1}"),
        new("message", "first line\nsecond line"),
        new("ping", "tight"),
        new("message", "héllo — 你好 🚀"),
        new("message", " two spaces"),
        new("message", "[DONE]"),
    ];

    static async Task<List<SseEvent>> ReadAll(Stream stream, int bufferSize = 8192)
    {
        var reader = new SseReader(stream, bufferSize);
        var events = new List<SseEvent>();
        while (await reader.ReadAsync() is { } e) events.Add(e);
        return events;
    }

    [Fact]
    public async Task Reads_every_event_of_a_whole_stream()
    {
        List<SseEvent> events = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(Sample)));
        Assert.Equal(Expected, events);
        Assert.True(events[^1].IsDone);
        Assert.DoesNotContain(events[..^1], e => e.IsDone);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task Same_events_whatever_the_piece_size_and_line_ending(string newline)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Sample.Replace("\n", newline));
        for (int size = 1; size <= bytes.Length; size++)
        {
            List<SseEvent> events = await ReadAll(TrickleStream.Split(bytes, size));
            Assert.True(Expected.SequenceEqual(events), $"piece size {size} gave: {string.Join(" | ", events)}");
        }
    }

    [Fact]
    public async Task Same_events_for_every_split_into_two_reads_and_random_reads()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Sample.Replace("\n", "\r\n"));
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            List<SseEvent> events = await ReadAll(new TrickleStream(bytes, [cut == 0 ? 1 : cut, bytes.Length]));
            Assert.True(Expected.SequenceEqual(events), $"cut at {cut}");
        }
        var random = new Random(12345);
        for (int trial = 0; trial < 200; trial++)
        {
            int[] sizes = Enumerable.Range(0, bytes.Length).Select(_ => random.Next(1, 9)).ToArray();
            Assert.Equal(Expected, await ReadAll(new TrickleStream(bytes, sizes), bufferSize: random.Next(1, 64)));
        }
    }

    [Fact]
    public async Task An_event_cut_off_by_the_end_of_the_stream_is_dropped()
    {
        List<SseEvent> events = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes("data: whole\n\ndata: cut")));
        Assert.Equal([new SseEvent("message", "whole")], events);

        events = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes("data: no blank line\n")));
        Assert.Empty(events);
    }

    [Fact]
    public async Task Comments_and_blank_lines_alone_dispatch_nothing()
    {
        List<SseEvent> events = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(":a\n\n\n\r\n: b\r\n\r\nevent: x\n\n")));
        Assert.Empty(events);
    }

    [Fact]
    public async Task A_leading_byte_order_mark_is_ignored()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("data: x\n\n")];
        Assert.Equal([new SseEvent("message", "x")], await ReadAll(TrickleStream.Split(bytes, 1)));
    }

    [Fact]
    public async Task A_field_without_colon_and_an_empty_data_field_count_as_data()
    {
        List<SseEvent> events = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes("data\n\ndata:\ndata:\n\n")));
        Assert.Equal([new SseEvent("message", ""), new SseEvent("message", "\n")], events);
    }

    [Fact]
    public async Task An_overlong_line_is_refused_rather_than_buffered_forever()
    {
        var reader = new SseReader(new MemoryStream(Encoding.UTF8.GetBytes("data: " + new string('x', 100))), maxLineBytes: 32);
        await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadAsync());
    }

    [Theory]
    [InlineData("[DONE]", true)]
    [InlineData(" [DONE] ", true)]
    [InlineData("[done]", false)]
    [InlineData("{\"x\":\"[DONE]\"}", false)]
    public void Done_is_the_literal_marker_only(string data, bool done) =>
        Assert.Equal(done, new SseEvent("message", data).IsDone);
}
