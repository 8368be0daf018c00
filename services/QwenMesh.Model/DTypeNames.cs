using static TorchSharp.torch;

namespace QwenMesh.Model;

/// <summary>The dtypes QwenMesh computes in, by the names settings and command lines use (torch's and the checkpoint spellings).</summary>
public static class DTypeNames
{
    public const string Accepted = "float32 or bfloat16 (f32 or bf16)";

    /// <summary>The dtype a name stands for, or null for a name QwenMesh does not serve in.</summary>
    public static ScalarType? Parse(string? name) => name switch
    {
        "float32" or "f32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => null,
    };

    /// <summary>The torch name of a served dtype.</summary>
    public static string Of(ScalarType dtype) => dtype == ScalarType.BFloat16 ? "bfloat16" : "float32";
}
