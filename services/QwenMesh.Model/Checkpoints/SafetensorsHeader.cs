using System.Text.Json;
using QwenMesh.Text;

namespace QwenMesh.Model.Checkpoints;

/// <summary>The JSON header of a safetensors image: tensor entries (validated) and the free-form metadata.</summary>
public sealed record SafetensorsHeader(IReadOnlyDictionary<string, TensorEntry> Entries, IReadOnlyDictionary<string, string> Metadata)
{
    public static SafetensorsHeader Parse(byte[] header, string source)
    {
        var entries = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(header);
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    foreach (JsonProperty m in p.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                string dtype = p.Value.GetProperty("dtype").GetString() ?? "";
                long[] shape = p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                long[] offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || shape.Any(d => d < 0))
                    throw new ModelFormatException($"{source}: tensor '{p.Name}' has invalid shape or data_offsets");
                var entry = new TensorEntry(p.Name, dtype, shape, offsets[0], offsets[1]);
                long expected = shape.Aggregate(1L, (a, b) => a * b) * DTypes.ElementSize(dtype, source, p.Name);
                if (expected != entry.ByteLength)
                    throw new ModelFormatException($"{source}: tensor '{p.Name}' has {entry.ByteLength} bytes but its shape and dtype need {expected}");
                entries[p.Name] = entry;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"{source}: malformed safetensors header ({e.Message})");
        }
        return new SafetensorsHeader(entries, metadata);
    }
}
