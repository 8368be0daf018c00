using QwenMesh.Text.Tokenization;

namespace QwenMesh.Cli.Commands;

/// <summary>`tokenize`: prints the ids of a text as a JSON array; needs only DIR/tokenizer.json.</summary>
public static class TokenizeCommand
{
    public static int Run(CliOptions o, TextWriter stdout)
    {
        string model = o.Required("model");
        string text = o.Required("text");
        o.EnsureAllUsed();
        if (!File.Exists(Path.Combine(model, BpeTokenizer.TokenizerFileName)))
            throw new IOException($"'{Path.Combine(model, BpeTokenizer.TokenizerFileName)}' not found");
        ITokenizer tokenizer = BpeTokenizer.FromFolder(model);
        stdout.WriteLine($"[{string.Join(",", tokenizer.Encode(text))}]");
        return 0;
    }
}
