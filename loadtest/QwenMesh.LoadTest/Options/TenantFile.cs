using System.Text.Json;

namespace QwenMesh.LoadTest.Options;

/// <summary>
/// Reads `--tenants FILE`: `{"tenants":[{"name":"alice","key":"sk-...","weight":2}]}`, weight optional (1).
/// Unknown fields are mistakes (a misspelt "weight" would silently be 1), so they are refused.
/// </summary>
public static class TenantFile
{
    const string Option = "--tenants";
    const long MaxBytes = 1024 * 1024;

    public static IReadOnlyList<Tenant> Read(string path)
    {
        string text;
        try
        {
            var file = new FileInfo(path);
            if (file.Exists && file.Length > MaxBytes) throw new UsageException($"{Option} '{path}': larger than {MaxBytes} bytes");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"{Option} '{path}': cannot read it ({e.GetType().Name})");
        }
        return Parse(text, path);
    }

    public static IReadOnlyList<Tenant> Parse(string json, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            // Only the position: the parser's own message can quote the text around it, which may be a key.
            throw new UsageException($"{Option} '{path}': not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tenants", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                throw new UsageException($"{Option} '{path}': must be an object {{\"tenants\":[{{\"name\":...,\"key\":...,\"weight\":...}}]}}");
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.Name != "tenants") throw new UsageException($"{Option} '{path}': unknown field '{property.Name}'");
            }
            var tenants = list.EnumerateArray().Select((entry, i) => Entry(entry, i + 1, path)).ToArray();
            if (tenants.Length == 0) throw new UsageException($"{Option} '{path}': lists no tenant");
            return tenants;
        }
    }

    static Tenant Entry(JsonElement entry, int number, string path)
    {
        string where = $"{Option} '{path}' tenant {number}";
        if (entry.ValueKind != JsonValueKind.Object) throw new UsageException($"{where}: must be an object");
        string? name = null, key = null;
        double weight = 1;
        foreach (JsonProperty property in entry.EnumerateObject())
        {
            switch (property.Name)
            {
                case "name" when property.Value.ValueKind == JsonValueKind.String:
                    name = property.Value.GetString();
                    break;
                case "key" when property.Value.ValueKind == JsonValueKind.String:
                    key = property.Value.GetString();
                    break;
                case "weight" when property.Value.ValueKind == JsonValueKind.Number:
                    weight = property.Value.GetDouble();
                    break;
                case "name" or "key":
                    throw new UsageException($"{where}: \"{property.Name}\" must be a string");
                case "weight":
                    throw new UsageException($"{where}: \"weight\" must be a number");
                default:
                    throw new UsageException($"{where}: unknown field '{property.Name}'");
            }
        }
        if (name is null) throw new UsageException($"{where}: \"name\" is missing");
        name = TenantValues.Name(where, name);
        if (key is null) throw new UsageException($"{where} '{name}': \"key\" is missing");
        return new Tenant(name, TenantValues.Key(Option, name, key), TenantValues.Weight(Option, name, weight));
    }
}
