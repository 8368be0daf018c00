using System.Net;
using System.Text;

namespace QwenMesh.Gateway.Proxy;

/// <summary>
/// The decode pod's response body as the gateway relays it: it notes when the first bytes came (the upstream TTFT),
/// and for an event stream whose pod dies mid-way it ends the stream with an OpenAI error event instead of a cut
/// connection, so a client reads why its stream stopped. A client that went away is not a pod failure: that read is
/// cancelled and nothing is added.
/// </summary>
public sealed class UpstreamBody(HttpContent inner, bool eventStream, Action firstBytes, Action podDied, CancellationToken clientGone) : HttpContent
{
    static readonly byte[] FailureEvent = Encoding.UTF8.GetBytes(
        "data: " + GatewayErrors.Body("the decode worker serving this stream went away", "server_error", code: null) + "\n\n");

    protected override async Task<Stream> CreateContentReadStreamAsync() =>
        new Relay(await inner.ReadAsStreamAsync(clientGone), eventStream, firstBytes, podDied, clientGone);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await using var relay = await CreateContentReadStreamAsync();
        await relay.CopyToAsync(stream);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    sealed class Relay(Stream upstream, bool eventStream, Action firstBytes, Action podDied, CancellationToken clientGone) : Stream
    {
        bool _started;
        int _failureSent = -1;   // bytes of the failure event already returned; -1 while the pod is fine

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_failureSent >= 0) return CopyFailure(buffer.Span);
            int read;
            try
            {
                read = await upstream.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (eventStream && e is IOException or HttpRequestException && !clientGone.IsCancellationRequested)
            {
                _failureSent = 0;
                podDied();
                return CopyFailure(buffer.Span);
            }
            if (read > 0 && !_started)
            {
                _started = true;
                firstBytes();
            }
            return read;
        }

        int CopyFailure(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, FailureEvent.Length - _failureSent);
            FailureEvent.AsSpan(_failureSent, n).CopyTo(buffer);
            _failureSent += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) upstream.Dispose();
            base.Dispose(disposing);
        }
    }
}
