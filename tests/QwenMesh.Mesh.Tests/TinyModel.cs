using QwenMesh.Cli;

namespace QwenMesh.Mesh.Tests;

/// <summary>The tiny checkpoint (real Qwen3 tokenizer) the meshes serve, written by the project's own make-model.</summary>
public static class TinyModel
{
    public static void Write(string folder, string seed = "11")
    {
        var stderr = new StringWriter();
        if (CliApp.Run(["make-model", "--out", folder, "--preset", "tiny", "--seed", seed], new StringWriter(), stderr) != 0)
            throw new InvalidOperationException($"make-model failed (run ./qwenmesh setup for the tokenizer): {stderr}");
    }
}
