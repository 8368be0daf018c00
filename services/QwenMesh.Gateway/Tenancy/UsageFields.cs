namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// A usage bucket's counters as both stores keep them: one field per (api key id, model, counter), written
/// "{key id}\n{model}\n{counter}" with counter input, cached, output or requests.
/// </summary>
public static class UsageFields
{
    public static string Field(string keyId, string model, string counter) => $"{keyId}\n{QuotaWindows.UsageModel(model)}\n{counter}";

    public static IReadOnlyList<UsageResult> Results(IEnumerable<(string Field, long Value)> fields)
    {
        var totals = new Dictionary<(string Key, string Model), long[]>();
        foreach (var (field, value) in fields)
        {
            string[] parts = field.Split('\n');
            if (parts.Length != 3) continue;
            int counter = parts[2] switch { "input" => 0, "cached" => 1, "output" => 2, "requests" => 3, _ => -1 };
            if (counter < 0) continue;
            if (!totals.TryGetValue((parts[0], parts[1]), out var sums)) totals[(parts[0], parts[1])] = sums = new long[4];
            sums[counter] += value;
        }
        return totals.OrderBy(t => t.Key.Key, StringComparer.Ordinal).ThenBy(t => t.Key.Model, StringComparer.Ordinal)
            .Select(t => new UsageResult(t.Key.Key, t.Key.Model, t.Value[0], t.Value[1], t.Value[2], t.Value[3])).ToList();
    }
}
