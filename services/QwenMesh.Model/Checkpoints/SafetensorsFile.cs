using Microsoft.Win32.SafeHandles;
using QwenMesh.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace QwenMesh.Model.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record TensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>
/// A safetensors file opened for random access: the header is parsed once and each tensor is read
/// straight from disk into its own buffer when asked for, so a checkpoint is never held twice in memory.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    readonly SafeFileHandle _handle;
    readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, TensorEntry> Entries { get; }

    SafetensorsFile(string path, SafeFileHandle handle, long dataStart, IReadOnlyDictionary<string, TensorEntry> entries)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Entries = entries;
    }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"checkpoint file '{path}' not found");
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            Span<byte> lengthBytes = stackalloc byte[8];
            if (fileLength < 8 || RandomAccess.Read(handle, lengthBytes, 0) != 8)
                throw new ModelFormatException($"{path}: truncated safetensors file (no header length)");
            long headerLength = BitConverter.ToInt64(lengthBytes);
            if (headerLength <= 0 || headerLength > 100_000_000 || 8 + headerLength > fileLength)
                throw new ModelFormatException($"{path}: truncated or corrupt safetensors file (header length {headerLength}, file {fileLength} bytes)");
            var header = new byte[headerLength];
            RandomAccess.Read(handle, header, 8);
            var entries = SafetensorsHeader.Parse(header, path).Entries;
            long dataLength = fileLength - 8 - headerLength;
            foreach (TensorEntry e in entries.Values)
            {
                if (e.End > dataLength)
                    throw new ModelFormatException($"{path}: truncated file: tensor '{e.Name}' ends at byte {e.End} of a {dataLength}-byte data section");
            }
            return new SafetensorsFile(path, handle, 8 + headerLength, entries);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads row <paramref name="row"/> of a tensor whose first dimension indexes rows (a fused expert tensor
    /// [E, ...]), without touching the other rows: an expert worker loads only its own experts.
    /// </summary>
    public unsafe Tensor ReadRow(TensorEntry entry, long row)
    {
        if (entry.Shape.Length < 2 || row < 0 || row >= entry.Shape[0])
            throw new ModelFormatException($"{Path}: tensor '{entry.Name}' has no row {row}");
        long rowBytes = entry.ByteLength / entry.Shape[0];
        Tensor t = empty(entry.Shape[1..], DTypes.ToScalarType(entry.DType, Path, entry.Name));
        for (long done = 0; done < rowBytes;)
        {
            int chunk = (int)Math.Min(rowBytes - done, 1 << 30);
            int read = RandomAccess.Read(_handle, new Span<byte>((byte*)TensorMemory.Pointer(t) + done, chunk), _dataStart + entry.Begin + row * rowBytes + done);
            if (read <= 0) throw new ModelFormatException($"{Path}: truncated file while reading '{entry.Name}'");
            done += read;
        }
        return t;
    }

    /// <summary>Reads one tensor in its on-disk dtype into a fresh CPU tensor.</summary>
    public unsafe Tensor Read(TensorEntry entry)
    {
        ScalarType type = DTypes.ToScalarType(entry.DType, Path, entry.Name);
        Tensor t = empty(entry.Shape, type);
        long done = 0;
        while (done < entry.ByteLength)
        {
            int chunk = (int)Math.Min(entry.ByteLength - done, 1 << 30);
            var dest = new Span<byte>((byte*)TensorMemory.Pointer(t) + done, chunk);
            int read = RandomAccess.Read(_handle, dest, _dataStart + entry.Begin + done);
            if (read <= 0) throw new ModelFormatException($"{Path}: truncated file while reading '{entry.Name}'");
            done += read;
        }
        return t;
    }

    public void Dispose() => _handle.Dispose();
}
