using QwenMesh.Model.Tokenization;

namespace QwenMesh.Model.Tests.Tokenization;

/// <summary>
/// Locates the real Qwen3 tokenizer that `./qwenmesh setup` installs, and loads it once for all tests. A missing
/// tokenizer fails the tests that need it, with instructions, rather than skipping them.
/// </summary>
internal static class QwenTokenizerFiles
{
    public const string DirectoryVariable = "QWENMESH_TOKENIZER_DIR";

    private static readonly Lazy<BpeTokenizer> Shared = new(() => BpeTokenizer.FromFolder(Directory));

    public static BpeTokenizer Tokenizer => Shared.Value;

    /// <summary>$QWENMESH_TOKENIZER_DIR, else &lt;repo&gt;/.cache/tokenizer-qwen3/models; throws if it has no tokenizer.json.</summary>
    public static string Directory
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable(DirectoryVariable);
            string directory = !string.IsNullOrWhiteSpace(configured)
                ? configured
                : Path.Combine(RepositoryRoot() ?? "<repository root not found>", ".cache", "tokenizer-qwen3", "models");
            if (!File.Exists(Path.Combine(directory, BpeTokenizer.TokenizerFileName)))
            {
                throw new InvalidOperationException(
                    $"The Qwen3 tokenizer is not installed: {Path.Combine(directory, BpeTokenizer.TokenizerFileName)} does not exist. "
                    + $"Run `./qwenmesh setup` to install it (or point {DirectoryVariable} at a folder with tokenizer.json).");
            }
            return directory;
        }
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QwenMesh.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
