using System.Text.Json;
using System.Text.RegularExpressions;

namespace QwenMesh.Mesh.Tests.Deploy;

/// <summary>
/// What deploy/Dockerfile's runtime stage gives every container: its ENTRYPOINT, its ENV and its HEALTHCHECK command,
/// read from the file itself so that a test runs the image's command line, not a copy of it.
/// </summary>
public sealed partial record ContainerImage(IReadOnlyList<string> Entrypoint, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> Healthcheck)
{
    public static ContainerImage Read(string dockerfile)
    {
        // Instructions with their continuation lines joined, from the last FROM on (the runtime stage).
        var instructions = new List<string>();
        string pending = "";
        foreach (string raw in File.ReadLines(dockerfile))
        {
            string line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#'))) continue;
            if (line.EndsWith('\\')) { pending += line[..^1] + " "; continue; }
            instructions.Add(pending + line);
            pending = "";
        }
        var stage = instructions.Skip(instructions.FindLastIndex(i => i.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        string Instruction(string name) => stage.Single(i => i.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

        var environment = new Dictionary<string, string>();
        foreach (string env in stage.Where(i => i.StartsWith("ENV ", StringComparison.Ordinal)))
            foreach (Match m in EnvPair().Matches(env[4..])) environment[m.Groups[1].Value] = m.Groups[2].Value;
        string health = Instruction("HEALTHCHECK");
        return new ContainerImage(ExecForm(Instruction("ENTRYPOINT")), environment, ExecForm(health[(health.IndexOf("CMD ", StringComparison.Ordinal) + 4)..]));
    }

    /// <summary>The JSON array of an exec-form instruction (a shell form would run under /bin/sh, which the tests do not assume).</summary>
    static string[] ExecForm(string text) => JsonSerializer.Deserialize<string[]>(text)
        ?? throw new InvalidDataException($"not an exec-form instruction: {text}");

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")]
    private static partial Regex EnvPair();
}
