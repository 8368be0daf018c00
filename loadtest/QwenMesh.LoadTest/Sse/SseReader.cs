using System.Text;

namespace QwenMesh.LoadTest.Sse;

/// <summary>
/// Reads server-sent events from a byte stream as the HTML "event stream" format defines them:
/// lines end in LF, CRLF or CR; a line starting with ':' is a comment; `data:` lines of one event are
/// joined with LF; an empty line dispatches the event; an event cut off by the end of the stream is
/// dropped, since its data may be incomplete.
/// </summary>
/// <remarks>
/// Lines are gathered as bytes and decoded only when complete, so a UTF-8 character or a CRLF split
/// between two network reads decodes correctly. Events are returned as soon as their blank line
/// arrives, which is what lets the caller time each token delta.
/// </remarks>
public sealed class SseReader
{
    const int DefaultMaxLineBytes = 4 * 1024 * 1024;

    readonly Stream _stream;
    readonly byte[] _buffer;
    readonly int _maxLineBytes;
    readonly Queue<string> _lines = new();
    readonly MemoryStream _partialLine = new();
    readonly StringBuilder _data = new();
    bool _hasData;
    string? _eventType;
    bool _skipLeadingLf;
    bool _firstLine = true;
    bool _endOfStream;

    public SseReader(Stream stream, int bufferSize = 8192, int maxLineBytes = DefaultMaxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        _stream = stream;
        _buffer = new byte[bufferSize];
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>The next event, or null once the stream has ended.</summary>
    public async ValueTask<SseEvent?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            while (_lines.TryDequeue(out string? line))
            {
                if (TakeLine(line) is { } ready) return ready;
            }
            if (_endOfStream) return null;

            int read = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0) _endOfStream = true;
            else SplitLines(_buffer.AsSpan(0, read));
        }
    }

    void SplitLines(ReadOnlySpan<byte> bytes)
    {
        // A CR that ended the previous read may be the first half of a CRLF.
        if (_skipLeadingLf && bytes.Length > 0)
        {
            _skipLeadingLf = false;
            if (bytes[0] == (byte)'\n') bytes = bytes[1..];
        }
        while (bytes.Length > 0)
        {
            int end = bytes.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                AppendPartial(bytes);
                return;
            }
            AppendPartial(bytes[..end]);
            _lines.Enqueue(DecodeLine());
            bool cr = bytes[end] == (byte)'\r';
            bytes = bytes[(end + 1)..];
            if (cr)
            {
                if (bytes.Length == 0) _skipLeadingLf = true;
                else if (bytes[0] == (byte)'\n') bytes = bytes[1..];
            }
        }
    }

    void AppendPartial(ReadOnlySpan<byte> bytes)
    {
        if (_partialLine.Length + bytes.Length > _maxLineBytes)
            throw new InvalidDataException($"server-sent event line longer than {_maxLineBytes} bytes");
        _partialLine.Write(bytes);
    }

    string DecodeLine()
    {
        string line = Encoding.UTF8.GetString(_partialLine.GetBuffer(), 0, (int)_partialLine.Length);
        _partialLine.SetLength(0);
        if (_firstLine)
        {
            _firstLine = false;
            if (line.StartsWith('\uFEFF')) line = line[1..];
        }
        return line;
    }

    SseEvent? TakeLine(string line)
    {
        if (line.Length == 0) return Dispatch();
        if (line[0] == ':') return null;

        int colon = line.IndexOf(':');
        string field = colon < 0 ? line : line[..colon];
        string value = colon < 0 ? "" : line[(colon + 1)..];
        if (value.StartsWith(' ')) value = value[1..];

        switch (field)
        {
            case "data":
                if (_data.Length + value.Length > _maxLineBytes)
                    throw new InvalidDataException($"server-sent event data longer than {_maxLineBytes} characters");
                if (_hasData) _data.Append('\n');
                _data.Append(value);
                _hasData = true;
                break;
            case "event":
                _eventType = value;
                break;
            // id, retry and unknown fields do not affect what a chat client sees.
        }
        return null;
    }

    SseEvent? Dispatch()
    {
        SseEvent? ready = _hasData ? new SseEvent(string.IsNullOrEmpty(_eventType) ? "message" : _eventType, _data.ToString()) : null;
        _data.Clear();
        _hasData = false;
        _eventType = null;
        return ready;
    }
}
