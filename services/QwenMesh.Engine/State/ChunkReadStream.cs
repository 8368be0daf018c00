namespace QwenMesh.Engine.State;

/// <summary>
/// A read-only stream over chunks fetched one at a time (asynchronously), so only one chunk is held in memory.
/// <c>next</c> returns the following chunk, or null after the last.
/// </summary>
public sealed class ChunkReadStream(Func<CancellationToken, Task<ReadOnlyMemory<byte>?>> next) : Stream
{
    bool _ended;
    ReadOnlyMemory<byte> _current;

    /// <summary>A stream over <paramref name="count"/> chunks fetched by index.</summary>
    public static ChunkReadStream Indexed(int count, Func<int, CancellationToken, Task<ReadOnlyMemory<byte>>> fetch)
    {
        int index = 0;
        return new ChunkReadStream(async token =>
        {
            // Not a ?: expression: null would convert to an empty ReadOnlyMemory (via byte[]) and never end the stream.
            if (index == count) return null;
            return await fetch(index++, token);
        });
    }

    public override bool CanRead => true;
    public override bool CanWrite => false;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellation = default)
    {
        while (_current.IsEmpty)
        {
            if (_ended) return 0;
            ReadOnlyMemory<byte>? chunk = await next(cancellation);
            if (chunk is null) _ended = true;
            else _current = chunk.Value;
        }
        int n = Math.Min(destination.Length, _current.Length);
        _current[..n].CopyTo(destination);
        _current = _current[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellation) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellation).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("state streams are read asynchronously");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
