namespace QwenMesh.Engine.State;

/// <summary>
/// A write-only stream that cuts what it is given into fixed-size chunks and hands each one on when full.
/// Writers use the async methods, so a store can upload a chunk without blocking a thread.
/// </summary>
public sealed class ChunkWriteStream(int chunkSize, Func<byte[], Task> onChunk) : Stream
{
    byte[] _buffer = new byte[chunkSize];
    int _filled;

    public long Written { get; private set; }

    public override bool CanRead => false;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation = default)
    {
        while (!data.IsEmpty)
        {
            int n = Math.Min(data.Length, _buffer.Length - _filled);
            data[..n].CopyTo(_buffer.AsMemory(_filled));
            _filled += n;
            Written += n;
            data = data[n..];
            if (_filled == _buffer.Length) await EmitAsync();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellation) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellation).AsTask();

    /// <summary>Hands on the last, partly filled chunk. Call once, after the last write.</summary>
    public Task CompleteAsync() => _filled > 0 ? EmitAsync() : Task.CompletedTask;

    async Task EmitAsync()
    {
        byte[] chunk = _filled == _buffer.Length ? _buffer : _buffer[.._filled];
        _buffer = new byte[_buffer.Length];
        _filled = 0;
        await onChunk(chunk);
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("state streams are written asynchronously");
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
