using QwenMesh.Text;
using static TorchSharp.torch;

namespace QwenMesh.Model.Checkpoints;

/// <summary>The safetensors dtype names the engine accepts and their torch equivalents.</summary>
public static class DTypes
{
    public static ScalarType ToScalarType(string dtype, string path, string name) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "BF16" => ScalarType.BFloat16,
        "F16" => ScalarType.Float16,
        "F64" => ScalarType.Float64,
        _ => throw new ModelFormatException($"{path}: tensor '{name}' has unsupported dtype '{dtype}' (expected F32, BF16 or F16)"),
    };

    public static int ElementSize(string dtype, string path, string name) => dtype switch
    {
        "F32" => 4,
        "BF16" or "F16" => 2,
        "F64" => 8,
        _ => throw new ModelFormatException($"{path}: tensor '{name}' has unsupported dtype '{dtype}' (expected F32, BF16 or F16)"),
    };

    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        ScalarType.Float64 or ScalarType.Int64 => 8,
        _ => throw new ArgumentException($"no element size for {type}"),
    };

    public static string FromScalarType(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float16 => "F16",
        _ => throw new ArgumentException($"cannot store {type} in a checkpoint"),
    };
}
