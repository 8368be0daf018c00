using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

/// <summary>
/// Locates the real Qwen3 tokenizer that `./qwenmesh setup` installs, and loads it once for all tests. A missing
/// tokenizer fails the tests that need it, with instructions, rather than skipping them.
/// </summary>
internal static class QwenTokenizerFiles
{
    public const string DirectoryVariable = "QWENMESH_TOKENIZER_DIR";

    private static readonly Lazy<BpeTokenizer> Shared = new(() => BpeTokenizer.FromFolder(Folder));

    public static BpeTokenizer Tokenizer => Shared.Value;

    /// <summary>$QWENMESH_TOKENIZER_DIR, else &lt;repo&gt;/.cache/tokenizer-qwen3/models; throws if it has no tokenizer.json.</summary>
    public static string Folder
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable(DirectoryVariable);
            string? root = RepositoryRoot();
            if (string.IsNullOrWhiteSpace(configured) && root is null)
            {
                throw new InvalidOperationException(
                    $"The Qwen3 tokenizer cannot be located: {DirectoryVariable} is not set and no folder above "
                    + $"{AppContext.BaseDirectory} contains QwenMesh.sln. Run `./qwenmesh setup` in the repository to install it.");
            }
            string folder = !string.IsNullOrWhiteSpace(configured)
                ? configured
                : Path.Combine(root!, ".cache", "tokenizer-qwen3", "models");
            string file = Path.Combine(folder, BpeTokenizer.TokenizerFileName);
            if (!File.Exists(file))
            {
                throw new InvalidOperationException(
                    $"The Qwen3 tokenizer is not installed: {file} does not exist. Run `./qwenmesh setup` to install it "
                    + $"(or point {DirectoryVariable} at a folder with tokenizer.json).");
            }
            return folder;
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
