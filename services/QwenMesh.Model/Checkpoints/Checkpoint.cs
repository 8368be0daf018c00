using System.Text.Json;
using QwenMesh.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace QwenMesh.Model.Checkpoints;

/// <summary>
/// The tensors of a model folder: `model.safetensors`, or the shards listed by `model.safetensors.index.json`.
/// Tensors are read one at a time, converted to the requested dtype and checked against the expected shape.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    readonly Dictionary<string, SafetensorsFile> _fileOf = new(StringComparer.Ordinal);
    readonly List<SafetensorsFile> _files = [];

    public string Folder { get; }
    public IEnumerable<string> Names => _fileOf.Keys;

    Checkpoint(string folder) => Folder = folder;

    public static Checkpoint Open(string folder)
    {
        var checkpoint = new Checkpoint(folder);
        try
        {
            string index = Path.Combine(folder, "model.safetensors.index.json");
            string single = Path.Combine(folder, "model.safetensors");
            if (File.Exists(index)) checkpoint.OpenShards(index);
            else if (File.Exists(single)) checkpoint.Add(SafetensorsFile.Open(single));
            else throw new ModelFormatException($"'{folder}' has neither model.safetensors nor model.safetensors.index.json");
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    void OpenShards(string indexPath)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            weightMap = doc.RootElement.GetProperty("weight_map").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelFormatException($"{indexPath}: malformed index ({e.Message})");
        }
        foreach (string shard in weightMap.Values.Distinct())
        {
            if (shard.Contains('/') || shard.Contains('\\'))
                throw new ModelFormatException($"{indexPath}: shard name '{shard}' must be a plain file name");
            Add(SafetensorsFile.Open(Path.Combine(Folder, shard)));
        }
        foreach ((string name, string shard) in weightMap)
        {
            if (!_fileOf.TryGetValue(name, out SafetensorsFile? file) || System.IO.Path.GetFileName(file.Path) != shard)
                throw new ModelFormatException($"{indexPath}: tensor '{name}' is mapped to '{shard}' but that shard does not hold it");
        }
    }

    void Add(SafetensorsFile file)
    {
        _files.Add(file);
        foreach (string name in file.Entries.Keys) _fileOf[name] = file;
    }

    public bool Contains(string name) => _fileOf.ContainsKey(name);

    public TensorEntry Entry(string name) =>
        _fileOf.TryGetValue(name, out SafetensorsFile? file)
            ? file.Entries[name]
            : throw new ModelFormatException($"{Folder}: checkpoint has no tensor '{name}'");

    /// <summary>Reads a tensor, checks its shape and converts it to <paramref name="dtype"/>.</summary>
    public Tensor Read(string name, long[] shape, ScalarType dtype)
    {
        TensorEntry entry = Entry(name);
        if (!entry.Shape.SequenceEqual(shape))
            throw new ModelFormatException(
                $"{Folder}: tensor '{name}' has shape [{string.Join(",", entry.Shape)}], expected [{string.Join(",", shape)}]");
        Tensor raw = _fileOf[name].Read(entry);
        if (raw.dtype == dtype) return raw;
        Tensor converted = raw.to(dtype);
        raw.Dispose();
        return converted;
    }

    /// <summary>Reads row <paramref name="row"/> of a [rows, ...] tensor (one expert of a fused tensor), checked and converted.</summary>
    public Tensor ReadRow(string name, long row, long[] fullShape, ScalarType dtype)
    {
        TensorEntry entry = Entry(name);
        if (!entry.Shape.SequenceEqual(fullShape))
            throw new ModelFormatException(
                $"{Folder}: tensor '{name}' has shape [{string.Join(",", entry.Shape)}], expected [{string.Join(",", fullShape)}]");
        Tensor raw = _fileOf[name].ReadRow(entry, row);
        if (raw.dtype == dtype) return raw;
        Tensor converted = raw.to(dtype);
        raw.Dispose();
        return converted;
    }

    public void Dispose()
    {
        foreach (SafetensorsFile f in _files) f.Dispose();
        _files.Clear();
    }
}
