using System.Globalization;
using System.Text;
using QwenMesh.Model;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `logits`: one row of vocab_size float logits per position, as JSON. With --prefill N the first N tokens
/// go through one prefill and every later token through the batched decode path.
/// </summary>
public static class LogitsCommand
{
    public static int Run(CliOptions o, TextWriter stdout)
    {
        string folder = o.Required("model");
        int[] tokens = o.Tokens("tokens") ?? throw new CliUsageException("missing required option --tokens");
        int prefill = o.Int("prefill", min: 1) ?? tokens.Length;
        ScalarType dtype = CliDefaults.DType(o.String("dtype"), ScalarType.Float32);
        o.EnsureAllUsed();
        if (prefill > tokens.Length) throw new CliUsageException($"--prefill {prefill} exceeds the {tokens.Length} tokens given");

        using QwenModel model = QwenModel.Load(folder, dtype);
        using SequenceState state = model.NewState();
        var rows = new List<float[]>();
        using (Tensor logits = model.Prefill(state, tokens[..prefill], allLogits: true))
        {
            for (int i = 0; i < prefill; i++) rows.Add(logits[i].data<float>().ToArray());
        }
        for (int i = prefill; i < tokens.Length; i++)
        {
            using Tensor logits = model.Decode([state], [tokens[i]]);
            rows.Add(logits[0].data<float>().ToArray());
        }
        Write(stdout, tokens, rows);
        return 0;
    }

    static void Write(TextWriter stdout, int[] tokens, List<float[]> rows)
    {
        stdout.Write("{\"tokens\":[");
        stdout.Write(string.Join(",", tokens));
        stdout.Write("],\"logits\":[");
        var line = new StringBuilder();
        for (int r = 0; r < rows.Count; r++)
        {
            line.Clear().Append(r == 0 ? "[" : ",[");
            float[] row = rows[r];
            for (int i = 0; i < row.Length; i++)
            {
                if (i > 0) line.Append(',');
                line.Append(row[i].ToString("R", CultureInfo.InvariantCulture));
            }
            stdout.Write(line.Append(']'));
        }
        stdout.WriteLine("]}");
    }
}
