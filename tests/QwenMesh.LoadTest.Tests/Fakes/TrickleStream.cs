namespace QwenMesh.LoadTest.Tests.Fakes;

/// <summary>A read-only stream that hands out its bytes in pieces of chosen sizes, as a network might.</summary>
public sealed class TrickleStream(byte[] bytes, IReadOnlyList<int> pieceSizes) : Stream
{
    int _position;
    int _piece;

    public static TrickleStream Split(byte[] bytes, int pieceSize) => new(bytes, [pieceSize]);

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= bytes.Length) return 0;
        // The last size repeats, so a single size means "always this many".
        int size = pieceSizes[Math.Min(_piece++, pieceSizes.Count - 1)];
        int n = Math.Min(Math.Min(size, count), bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
