using System.Buffers.Binary;
using System.Text.Json;

namespace QwenMesh.Model.Tests.Reference;

/// <summary>
/// One .safetensors file, read the plain way: an 8-byte little-endian header length, a JSON header mapping
/// names to {dtype, shape, data_offsets}, then the data section the offsets are relative to.
/// </summary>
public sealed class ReferenceSafetensors
{
    sealed record Entry(string DType, long[] Shape, long Begin, long End);

    readonly string _path;
    readonly long _dataStart;
    readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public ReferenceSafetensors(string path)
    {
        _path = path;
        using var file = File.OpenRead(path);
        var lengthBytes = new byte[8];
        file.ReadExactly(lengthBytes);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > file.Length - 8) throw new InvalidDataException($"{path}: bad header length {headerLength}");
        var header = new byte[headerLength];
        file.ReadExactly(header);
        _dataStart = 8 + headerLength;
        using JsonDocument doc = JsonDocument.Parse(header);
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            long[] shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            long[] offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            _entries[p.Name] = new Entry(p.Value.GetProperty("dtype").GetString()!, shape, offsets[0], offsets[1]);
        }
    }

    public IEnumerable<string> Names => _entries.Keys;

    public bool Contains(string name) => _entries.ContainsKey(name);

    public RefTensor Read(string name)
    {
        Entry e = _entries[name];
        long count = e.Shape.Aggregate(1L, (a, b) => a * b);
        int size = ElementSize(e.DType);
        if (e.End - e.Begin != count * size)
            throw new InvalidDataException($"{name}: {e.End - e.Begin} bytes for {count} elements of {e.DType}");
        var bytes = new byte[e.End - e.Begin];
        using (var file = File.OpenRead(_path))
        {
            file.Seek(_dataStart + e.Begin, SeekOrigin.Begin);
            file.ReadExactly(bytes);
        }
        var data = new double[count];
        for (long i = 0; i < count; i++) data[i] = Decode(bytes.AsSpan((int)(i * size), size), e.DType);
        return new RefTensor(e.Shape, data);
    }

    static int ElementSize(string dtype) => dtype switch
    {
        "F64" => 8,
        "F32" => 4,
        "BF16" or "F16" => 2,
        _ => throw new NotSupportedException($"dtype {dtype}"),
    };

    static double Decode(ReadOnlySpan<byte> b, string dtype) => dtype switch
    {
        "F64" => BinaryPrimitives.ReadDoubleLittleEndian(b),
        "F32" => BinaryPrimitives.ReadSingleLittleEndian(b),
        // bfloat16 is the top half of a float32.
        "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
        "F16" => (double)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(b)),
        _ => throw new NotSupportedException($"dtype {dtype}"),
    };
}
