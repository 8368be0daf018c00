using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace QwenMesh.Model.Checkpoints;

/// <summary>
/// Raw access to a CPU tensor's bytes. TorchSharp's own byte span is limited to 2 GiB, and a fused expert
/// tensor of a real checkpoint is larger, so reads and writes go through the data pointer in bounded chunks.
/// </summary>
public static partial class TensorMemory
{
    const int Chunk = 1 << 30;

    [LibraryImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    private static partial IntPtr TensorData(IntPtr handle);

    public static IntPtr Pointer(Tensor t)
    {
        if (t.device_type != TorchSharp.DeviceType.CPU || !t.is_contiguous())
            throw new ArgumentException("raw access needs a contiguous CPU tensor");
        return TensorData(t.Handle);
    }

    public static long ByteLength(Tensor t) => t.NumberOfElements * t.ElementSize;

    /// <summary>Writes the tensor's bytes (a contiguous copy is made first if needed).</summary>
    public static unsafe void WriteTo(Tensor t, Stream stream)
    {
        using Tensor contiguous = t.contiguous();
        byte* start = (byte*)Pointer(contiguous);
        long length = ByteLength(contiguous);
        for (long done = 0; done < length; done += Chunk)
            stream.Write(new ReadOnlySpan<byte>(start + done, (int)Math.Min(Chunk, length - done)));
    }

    /// <summary>
    /// Float32 logits [rows, columns] (or one row [columns]) as one array per row, copied in one pass: TorchSharp's
    /// element accessors cost milliseconds per step on a 152k vocabulary.
    /// </summary>
    public static unsafe float[][] Rows(Tensor t)
    {
        if (t.dtype != ScalarType.Float32 || t.dim() is not (1 or 2)) throw new ArgumentException("rows need a float32 vector or matrix");
        using Tensor contiguous = t.contiguous();
        long rows = t.dim() == 1 ? 1 : contiguous.shape[0], columns = contiguous.shape[^1];
        float* start = (float*)Pointer(contiguous);
        var result = new float[rows][];
        for (long i = 0; i < rows; i++) result[i] = new ReadOnlySpan<float>(start + i * columns, checked((int)columns)).ToArray();
        return result;
    }

    /// <summary>Copies part of a contiguous tensor's bytes into <paramref name="destination"/>.</summary>
    public static unsafe void CopyOut(Tensor t, long offset, Span<byte> destination) =>
        new ReadOnlySpan<byte>((byte*)Pointer(t) + offset, destination.Length).CopyTo(destination);

    /// <summary>Copies <paramref name="source"/> into a contiguous tensor's bytes at <paramref name="offset"/>.</summary>
    public static unsafe void CopyIn(Tensor t, long offset, ReadOnlySpan<byte> source) =>
        source.CopyTo(new Span<byte>((byte*)Pointer(t) + offset, source.Length));

    /// <summary>Writes the tensor's bytes asynchronously through a bounce buffer (pointers cannot cross an await).</summary>
    public static async Task WriteToAsync(Tensor t, Stream stream, byte[] buffer, CancellationToken cancellation = default)
    {
        using Tensor contiguous = t.contiguous();
        long length = ByteLength(contiguous);
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(buffer.Length, length - done);
            CopyOut(contiguous, done, buffer.AsSpan(0, n));
            await stream.WriteAsync(buffer.AsMemory(0, n), cancellation);
            done += n;
        }
    }

    /// <summary>Fills a contiguous tensor from the stream asynchronously; an early end is an <see cref="EndOfStreamException"/>.</summary>
    public static async Task ReadFromAsync(Stream stream, Tensor t, byte[] buffer, CancellationToken cancellation = default)
    {
        long length = ByteLength(t);
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(buffer.Length, length - done);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, n), cancellation);
            CopyIn(t, done, buffer.AsSpan(0, n));
            done += n;
        }
    }

    /// <summary>Fills a contiguous tensor from the stream; a stream that ends early is an <see cref="EndOfStreamException"/>.</summary>
    public static unsafe void ReadFrom(Stream stream, Tensor t)
    {
        byte* start = (byte*)Pointer(t);
        long length = ByteLength(t);
        for (long done = 0; done < length; done += Chunk)
            stream.ReadExactly(new Span<byte>(start + done, (int)Math.Min(Chunk, length - done)));
    }
}
