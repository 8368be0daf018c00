using System.Text.Json;
using System.Text.Json.Serialization;
using YamlDotNet.Serialization;

namespace QwenMesh.Gateway.Tenancy;

/// <summary>The tenants file's root: {"tenants": [TenantDocument with name and keys, ...]}.</summary>
public sealed record TenantsDocument([property: JsonPropertyName("tenants")] IReadOnlyList<TenantDocument> Tenants);

/// <summary>
/// The declarative tenants file (for GitOps, or a Kubernetes ConfigMap with the key hashes in a Secret): JSON, or YAML
/// when it is named *.yaml / *.yml, in the admin API's own schema. YAML is read as the JSON it denotes, so both
/// spellings are checked by one schema.
/// </summary>
public static class TenantFile
{
    public static bool IsYaml(string path) => Path.GetExtension(path).ToLowerInvariant() is ".yaml" or ".yml";

    /// <summary>The tenants and their keys in <paramref name="path"/>; throws <see cref="TenancyException"/> naming what is wrong.</summary>
    public static IReadOnlyList<(Tenant Tenant, IReadOnlyList<ApiKeyRecord> Keys)> Load(string path)
    {
        string text = File.ReadAllText(path);
        string json = IsYaml(path) ? YamlAsJson(text) : text;
        TenantsDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<TenantsDocument>(json, TenantDocument.Json);
        }
        catch (JsonException e)
        {
            throw new TenancyException("tenants", $"{path}: {e.Message}");
        }
        var tenants = new List<(Tenant, IReadOnlyList<ApiKeyRecord>)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in document?.Tenants ?? throw new TenancyException("tenants", $"{path}: has no \"tenants\" list"))
        {
            if (entry.Name is not { } name) throw new TenancyException("tenants.name", $"{path}: every tenant needs a name");
            if (!names.Add(name)) throw new TenancyException("tenants.name", $"{path}: tenant {name} appears twice");
            var tenant = entry.ToTenant(name);
            var keys = entry.ToKeys(name);
            foreach (var key in keys)
                if (!ids.Add(key.Id)) throw new TenancyException("keys.id", $"{path}: key {key.Id} appears twice");
            tenants.Add((tenant, keys));
        }
        return tenants;
    }

    /// <summary>Writes the tenants atomically (a reader never sees half a file), in the file's own format.</summary>
    public static void Save(string path, IEnumerable<(Tenant Tenant, IReadOnlyList<ApiKeyRecord> Keys)> tenants)
    {
        var document = new TenantsDocument(tenants.OrderBy(t => t.Tenant.Name, StringComparer.Ordinal).Select(t => TenantDocument.From(t.Tenant, t.Keys)).ToList());
        string json = JsonSerializer.Serialize(document, new JsonSerializerOptions(TenantDocument.Json) { WriteIndented = true });
        string text = IsYaml(path) ? JsonAsYaml(json) : json + "\n";
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    static string YamlAsJson(string yaml)
    {
        try
        {
            object? graph = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object?>(yaml);
            return JsonSerializer.Serialize(graph);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new TenancyException("tenants", $"not valid YAML: {e.Message}");
        }
    }

    static string JsonAsYaml(string json)
    {
        using var document = JsonDocument.Parse(json);
        return new SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(Graph(document.RootElement));
    }

    /// <summary>JSON as plain objects with their types kept (a number stays a number, a string that looks like one stays a string).</summary>
    static object? Graph(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Graph(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Select(Graph).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
