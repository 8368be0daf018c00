using System.Globalization;
using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using static TorchSharp.torch;

namespace QwenMesh.Model.State;

/// <summary>
/// A sequence state as bytes: a safetensors image whose metadata carries the position, written and read
/// tensor by tensor. (The serving layer wraps this in its own versioned, checksummed codec.)
/// </summary>
public static class SequenceStateBytes
{
    const string PositionKey = "qwenmesh.position";

    public static void Write(SequenceState state, Stream stream)
    {
        var planned = state.Export()
            .Select(e => new SafetensorsWriter.Planned(e.Name, e.Value.dtype, e.Value.shape, () => e.Value))
            .ToList();
        var metadata = new Dictionary<string, string> { [PositionKey] = state.Position.ToString(CultureInfo.InvariantCulture) };
        SafetensorsWriter.Write(stream, planned, metadata);
    }

    public static SequenceState Read(Stream stream, ModelConfig config, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        (Dictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata) = SafetensorsStream.ReadAll(stream);
        if (!metadata.TryGetValue(PositionKey, out string? text) || !int.TryParse(text, CultureInfo.InvariantCulture, out int position))
            throw new ArgumentException("state bytes carry no position");
        return SequenceState.Import(config, dtype, position, tensors);
    }
}
