using System.Text.Json;
using QwenMesh.Model;
using QwenMesh.Model.Generation;
using QwenMesh.Model.Sampling;
using QwenMesh.Text.Templates;
using QwenMesh.Text.Tokenization;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Commands;

/// <summary>`generate`: prompt (raw or as one chat user turn) or token ids in, generated text out.</summary>
public static class GenerateCommand
{
    // Generated text is shown as text, not as \u escapes.
    static readonly JsonSerializerOptions JsonOutput = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        string? folder = o.String("model");
        string? prompt = o.String("prompt");
        int[]? ids = o.Tokens("tokens");
        bool chat = o.Flag("chat");
        int maxTokens = o.Int("max-tokens", min: 0) ?? throw new CliUsageException("missing required option --max-tokens");
        var sampling = new SamplingParams(o.Double("temperature") ?? 1.0, o.Int("top-k", min: 0) ?? 0, o.Double("top-p") ?? 1.0, o.ULong("seed"));
        ScalarType dtype = CliDefaults.DType(o.String("dtype"), ScalarType.Float32);
        bool json = o.Flag("json");
        o.EnsureAllUsed();
        if ((prompt is null) == (ids is null)) throw new CliUsageException("give exactly one of --prompt and --tokens");
        if (chat && prompt is null) throw new CliUsageException("--chat needs --prompt");
        sampling.Validate();
        folder ??= DemoModel.Ensure(stderr);

        ITokenizer tokenizer = TokenizerLoader.Load(folder);
        IReadOnlyList<int> promptIds = ids ?? tokenizer.Encode(chat ? ChatTemplate.Load(folder).Render(UserTurn(prompt!)) : prompt!);
        using QwenModel model = QwenModel.Load(folder, dtype);
        var stops = new HashSet<int>(tokenizer.StopTokenIds);
        if (model.Config.EosTokenId is { } eos) stops.Add(eos);

        var decoder = new TokenDecoder(tokenizer);
        var generator = new SequenceGenerator(model);
        (IReadOnlyList<int> generated, _) = generator.Generate(new GenerationRequest(promptIds, maxTokens, sampling, stops), id =>
        {
            if (!json && !stops.Contains(id)) stdout.Write(decoder.Append(id));
        });
        string text = tokenizer.Decode(generated.Where(id => !stops.Contains(id)));
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { tokens = promptIds.Concat(generated).ToArray(), text }, JsonOutput));
        }
        else
        {
            stdout.WriteLine(decoder.Flush());
        }
        return 0;
    }

    static ChatTemplateInputs UserTurn(string prompt) =>
        new([JsonSerializer.SerializeToElement(new { role = "user", content = prompt })]);
}
