using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace QwenMesh.Model.Checkpoints;

/// <summary>
/// Writes tensors as a HF safetensors file. Tensors are produced lazily and written one at a time,
/// so a large checkpoint never has to exist in memory as a whole.
/// </summary>
public static class SafetensorsWriter
{
    public sealed record Planned(string Name, ScalarType DType, long[] Shape, Func<Tensor> Produce);

    public static void Write(string path, IReadOnlyList<Planned> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(stream, tensors, metadata);
    }

    public static void Write(Stream stream, IReadOnlyList<Planned> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is not null) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (Planned t in tensors)
        {
            long bytes = t.Shape.Aggregate(1L, (a, b) => a * b) * DTypes.ElementSize(t.DType);
            header[t.Name] = new { dtype = DTypes.FromScalarType(t.DType), shape = t.Shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8;   // the format aligns the data section to 8 bytes
        stream.Write(BitConverter.GetBytes((long)padded));
        stream.Write(json);
        stream.Write(Encoding.ASCII.GetBytes(new string(' ', padded - json.Length)));
        foreach (Planned t in tensors)
        {
            using var scope = NewDisposeScope();
            Tensor value = t.Produce().to(t.DType).contiguous();
            if (!value.shape.SequenceEqual(t.Shape))
                throw new InvalidOperationException($"tensor '{t.Name}' was produced with shape [{string.Join(",", value.shape)}]");
            TensorMemory.WriteTo(value, stream);
        }
    }
}
