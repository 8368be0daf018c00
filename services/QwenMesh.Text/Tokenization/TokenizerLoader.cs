namespace QwenMesh.Text.Tokenization;

/// <summary>Picks the tokenizer for a model folder.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// <see cref="BpeTokenizer"/> when <paramref name="modelDirectory"/> has a tokenizer.json, otherwise the
    /// <see cref="ByteLevelTokenizer"/> that small test checkpoints are built for.
    /// </summary>
    public static ITokenizer Load(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        if (!Directory.Exists(modelDirectory))
        {
            throw new DirectoryNotFoundException($"Model folder not found: {modelDirectory}");
        }
        return File.Exists(Path.Combine(modelDirectory, BpeTokenizer.TokenizerFileName))
            ? BpeTokenizer.FromFolder(modelDirectory)
            : new ByteLevelTokenizer();
    }
}
