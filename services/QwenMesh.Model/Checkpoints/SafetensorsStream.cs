using static TorchSharp.torch;

namespace QwenMesh.Model.Checkpoints;

/// <summary>Reads a whole safetensors image from a forward-only stream, tensor by tensor in data order.</summary>
public static class SafetensorsStream
{
    public static unsafe (Dictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) ReadAll(Stream stream)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        long headerLength = BitConverter.ToInt64(lengthBytes);
        if (headerLength <= 0 || headerLength > 100_000_000) throw new ModelFormatException($"state stream: bad header length {headerLength}");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        SafetensorsHeader header = SafetensorsHeader.Parse(headerBytes, "state stream");
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        long position = 0;
        foreach (TensorEntry e in header.Entries.Values.OrderBy(e => e.Begin))
        {
            if (e.Begin < position) throw new ModelFormatException($"state stream: tensor '{e.Name}' overlaps another");
            for (; position < e.Begin; position++) stream.ReadByte();
            Tensor t = empty(e.Shape, DTypes.ToScalarType(e.DType, "state stream", e.Name));
            byte* start = (byte*)TensorMemory.Pointer(t);
            for (long done = 0; done < e.ByteLength;)
            {
                int chunk = (int)Math.Min(e.ByteLength - done, 1 << 30);
                stream.ReadExactly(new Span<byte>(start + done, chunk));
                done += chunk;
            }
            position = e.End;
            tensors[e.Name] = t;
        }
        return (tensors, header.Metadata);
    }
}
