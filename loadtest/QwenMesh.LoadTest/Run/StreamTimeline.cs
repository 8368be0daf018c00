using System.Diagnostics;
using System.Text;
using QwenMesh.LoadTest.Api;

namespace QwenMesh.LoadTest.Run;

/// <summary>Timestamps the chunks of one stream as they arrive and turns them into TTFT, gaps and token counts.</summary>
public sealed class StreamTimeline(long sentAt, bool keepReply)
{
    readonly List<double> _gaps = [];
    readonly StringBuilder? _reply = keepReply ? new StringBuilder() : null;
    long? _firstText;
    long _lastText;
    int _textDeltas;

    public TokenUsage? Usage { get; private set; }

    public void Observe(StreamChunk chunk, long arrivedAt)
    {
        if (chunk.Usage is not null) Usage = chunk.Usage;
        // Role-only and empty deltas carry no generated token, so they neither start TTFT nor split a gap.
        if (!chunk.HasText) return;
        _reply?.Append(chunk.Content);
        if (_firstText is null) _firstText = arrivedAt;
        else _gaps.Add(Milliseconds(_lastText, arrivedAt));
        _lastText = arrivedAt;
        _textDeltas++;
    }

    public RequestOutcome Complete(long endedAt, bool isLongPrompt) => new()
    {
        Succeeded = true,
        TtftMs = _firstText is { } first ? Milliseconds(sentAt, first) : null,
        GapsMs = _gaps.ToArray(),
        E2eMs = Milliseconds(sentAt, endedAt),
        TextDeltas = _textDeltas,
        Usage = Usage,
        IsLongPrompt = isLongPrompt,
        ReplyText = _reply?.ToString(),
    };

    public static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
