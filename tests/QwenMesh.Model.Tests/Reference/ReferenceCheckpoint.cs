using System.Text.Json;

namespace QwenMesh.Model.Tests.Reference;

/// <summary>
/// A model folder's weights: a single model.safetensors, or the shards a model.safetensors.index.json maps names to.
/// Reads return doubles and check the shape the caller expects.
/// </summary>
public sealed class ReferenceCheckpoint
{
    readonly Dictionary<string, ReferenceSafetensors> _fileOf = new(StringComparer.Ordinal);

    public ReferenceCheckpoint(string folder)
    {
        string index = Path.Combine(folder, "model.safetensors.index.json");
        if (File.Exists(index))
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(index));
            var files = new Dictionary<string, ReferenceSafetensors>(StringComparer.Ordinal);
            foreach (JsonProperty p in doc.RootElement.GetProperty("weight_map").EnumerateObject())
            {
                string file = p.Value.GetString()!;
                if (!files.TryGetValue(file, out ReferenceSafetensors? shard))
                {
                    shard = new ReferenceSafetensors(Path.Combine(folder, file));
                    files[file] = shard;
                }
                if (!shard.Contains(p.Name)) throw new InvalidDataException($"{file} lacks {p.Name}, which the index maps to it");
                _fileOf[p.Name] = shard;
            }
            FileCount = files.Count;
        }
        else
        {
            var single = new ReferenceSafetensors(Path.Combine(folder, "model.safetensors"));
            foreach (string name in single.Names) _fileOf[name] = single;
            FileCount = 1;
        }
    }

    public int FileCount { get; }

    public bool Contains(string name) => _fileOf.ContainsKey(name);

    public RefTensor Read(string name, params long[] shape)
    {
        if (!_fileOf.TryGetValue(name, out ReferenceSafetensors? file)) throw new KeyNotFoundException($"no tensor '{name}' in the checkpoint");
        RefTensor t = file.Read(name);
        if (!t.HasShape(shape)) throw new InvalidDataException($"'{name}' is {t}, expected [{string.Join(", ", shape)}]");
        return t;
    }

    public double[] Vector(string name, int n) => Read(name, n).Data;

    public RefMatrix Matrix(string name, int rows, int cols) => new(rows, cols, Read(name, rows, cols).Data);
}
