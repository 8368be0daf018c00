using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Tests.Tokenization;

public sealed class TokenizerLoaderTests
{
    [Fact]
    public void A_folder_with_tokenizer_json_gets_the_bpe_tokenizer()
    {
        using TinyTokenizerFolder folder = new TinyTokenizerFolder().Write(TinyTokenizerFolder.Definition());
        ITokenizer tokenizer = TokenizerLoader.Load(folder.Path);
        Assert.IsType<BpeTokenizer>(tokenizer);
        Assert.Equal([5], tokenizer.Encode("ab"));
    }

    [Fact]
    public void A_folder_without_tokenizer_json_gets_the_byte_level_tokenizer()
    {
        using var folder = new TinyTokenizerFolder();
        Assert.IsType<ByteLevelTokenizer>(TokenizerLoader.Load(folder.Path));
    }

    [Fact]
    public void A_missing_folder_is_an_error()
    {
        string path = Path.Combine(Path.GetTempPath(), "qwenmesh-no-such-model-" + Guid.NewGuid().ToString("N"));
        var error = Assert.Throws<DirectoryNotFoundException>(() => TokenizerLoader.Load(path));
        Assert.Contains(path, error.Message);
    }
}
