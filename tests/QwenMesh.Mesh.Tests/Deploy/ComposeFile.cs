using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace QwenMesh.Mesh.Tests.Deploy;

/// <summary>
/// deploy/compose.yaml as Docker Compose reads it: anchors and merge keys resolved, <c>${NAME}</c>,
/// <c>${NAME:-default}</c> and <c>${NAME:?message}</c> interpolated from the given variables.
/// </summary>
public sealed partial class ComposeFile
{
    readonly Dictionary<object, object> _services;

    ComposeFile(Dictionary<object, object> services) => _services = services;

    public static ComposeFile Read(string path, IReadOnlyDictionary<string, string> variables)
    {
        string text = Interpolation().Replace(File.ReadAllText(path), m =>
        {
            string name = m.Groups["name"].Value, op = m.Groups["op"].Value, arg = m.Groups["arg"].Value;
            bool set = variables.TryGetValue(name, out string? value) && value.Length > 0;
            return op switch
            {
                ":-" => set ? value! : arg,
                ":?" => set ? value! : throw new InvalidOperationException($"compose needs {name}: {arg}"),
                _ => value ?? "",
            };
        });
        var root = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(new StringReader(text))));
        return new ComposeFile((Dictionary<object, object>)root["services"]);
    }

    public IEnumerable<string> ServiceNames => _services.Keys.Cast<string>();

    public Service this[string name] => new(name, (Dictionary<object, object>)_services[name]);

    public sealed record Service(string Name, Dictionary<object, object> Body)
    {
        public string? Image => Body.TryGetValue("image", out var i) ? (string)i : null;

        public IReadOnlyList<string> Command => Body.TryGetValue("command", out var c) ? ((List<object>)c).Cast<string>().ToList() : [];

        public IReadOnlyDictionary<string, string> Environment => Body.TryGetValue("environment", out var e)
            ? ((Dictionary<object, object>)e).ToDictionary(p => (string)p.Key, p => p.Value?.ToString() ?? "")
            : new Dictionary<string, string>();

        /// <summary>The exec-form test of the service's own healthcheck, if it has one (otherwise the image's applies).</summary>
        public IReadOnlyList<string>? Healthcheck => Body.TryGetValue("healthcheck", out var h) && ((Dictionary<object, object>)h).TryGetValue("test", out var t)
            ? ((List<object>)t).Cast<string>().Skip(1).ToList()
            : null;

        /// <summary>The services this one waits for to be healthy before it starts.</summary>
        public IEnumerable<string> WaitsHealthy => Body.TryGetValue("depends_on", out var d)
            ? ((Dictionary<object, object>)d).Where(p => ((Dictionary<object, object>)p.Value)["condition"] as string == "service_healthy").Select(p => (string)p.Key)
            : [];

        public IEnumerable<string> DependsOn => Body.TryGetValue("depends_on", out var d) ? ((Dictionary<object, object>)d).Keys.Cast<string>() : [];
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:-|:\?)(?<arg>[^}]*))?\}")]
    private static partial Regex Interpolation();
}
