using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenMesh.Text.Tests.Templates;

/// <summary>
/// Renders cases with @huggingface/jinja under node (Reference/render.mjs), from the packages `./qwenmesh test`
/// installs into .cache/chat-template-reference. A missing install fails the test with instructions.
/// </summary>
internal static class ReferenceRenderer
{
    public static string Root => Path.Combine(RepositoryRoot(), ".cache", "chat-template-reference");

    public static string Modules
    {
        get
        {
            string modules = Path.Combine(Root, "node_modules");
            if (!Directory.Exists(Path.Combine(modules, "@huggingface", "jinja")))
            {
                throw new InvalidOperationException(
                    $"The reference renderer is not installed in {modules}. Run `./qwenmesh setup` (it npm-installs "
                    + "tests/QwenMesh.Text.Tests/Templates/Reference/package.json there).");
            }
            return modules;
        }
    }

    /// <summary>One result per case: the rendered text, or the reference's error.</summary>
    public static IReadOnlyList<(string? Text, string? Error)> Render(IReadOnlyList<JsonObject> cases)
    {
        string folder = Path.Combine(Path.GetTempPath(), "qwenmesh-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string input = Path.Combine(folder, "cases.json");
            string output = Path.Combine(folder, "results.json");
            File.WriteAllText(input, new JsonArray(cases.Select(c => (JsonNode)c.DeepClone()).ToArray()).ToJsonString());
            var start = new ProcessStartInfo("node")
            {
                ArgumentList = { Path.Combine(RepositoryRoot(), "tests", "QwenMesh.Text.Tests", "Templates", "Reference", "render.mjs"), input, output },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            start.Environment["NODE_PATH"] = Modules;
            using Process node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            string errors = node.StandardError.ReadToEnd();
            node.StandardOutput.ReadToEnd();
            if (!node.WaitForExit(120_000)) throw new TimeoutException("the reference renderer ran for more than 2 minutes");
            if (node.ExitCode != 0) throw new InvalidOperationException($"the reference renderer failed ({node.ExitCode}): {errors}");
            JsonArray results = JsonNode.Parse(File.ReadAllText(output))!.AsArray();
            return results.Select(r => (r!["text"]?.GetValue<string>(), r["error"]?.GetValue<string>())).ToList();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QwenMesh.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} contains QwenMesh.sln");
    }
}
