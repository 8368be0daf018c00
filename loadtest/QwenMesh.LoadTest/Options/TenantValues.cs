using System.Globalization;
using System.Text.RegularExpressions;

namespace QwenMesh.LoadTest.Options;

/// <summary>
/// Checks tenants from `--tenant NAME=KEY[:WEIGHT]` and `--tenants FILE`. No message ever repeats a key or
/// text that may be part of one, since stderr ends up in CI logs.
/// </summary>
public static partial class TenantValues
{
    public const double MaxWeight = 1_000_000;
    public const int MaxTenants = 1000;

    // Names become JSON property names and table cells, so they stay plain.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    /// <summary>NAME=KEY[:WEIGHT]; the weight follows the last ':', so a key holding ':' belongs in a --tenants file.</summary>
    public static Tenant FromArgument(string value)
    {
        const string option = "--tenant";
        int eq = value.IndexOf('=');
        if (eq < 0) throw new UsageException($"{option} must be NAME=KEY[:WEIGHT] (the value is not shown: it may hold a key)");
        string name = Name(option, value[..eq]);
        string keyAndWeight = value[(eq + 1)..];
        int colon = keyAndWeight.LastIndexOf(':');
        if (colon < 0) return new Tenant(name, Key(option, name, keyAndWeight), 1);
        bool parsed = double.TryParse(keyAndWeight[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double weight);
        if (!parsed)
        {
            throw new UsageException(
                $"{option} '{name}': the weight after the last ':' must be a number (a key holding ':' goes in a --tenants file)");
        }
        return new Tenant(name, Key(option, name, keyAndWeight[..colon]), Weight(option, name, weight));
    }

    public static string Name(string option, string name) =>
        NamePattern().IsMatch(name)
            ? name
            : throw new UsageException($"{option} name must be 1 to 64 letters, digits, '.', '_' or '-' starting with a letter or digit, got '{name}'");

    public static string Key(string option, string name, string key)
    {
        if (key.Length == 0) throw new UsageException($"{option} '{name}': the key must not be empty");
        // A header value cannot hold these, and a pasted key with a trailing newline would fail every request.
        if (key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new UsageException($"{option} '{name}': the key must not contain spaces or control characters");
        return key;
    }

    public static double Weight(string option, string name, double weight) =>
        double.IsFinite(weight) && weight > 0 && weight <= MaxWeight
            ? weight
            : throw new UsageException($"{option} '{name}': the weight must be a number greater than 0 and at most {MaxWeight.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Names are compared ignoring case and keys exactly: two tenants on one key would measure one quota twice.</summary>
    public static void CheckDistinct(IReadOnlyList<Tenant> tenants)
    {
        if (tenants.Count > MaxTenants) throw new UsageException($"at most {MaxTenants} tenants, got {tenants.Count}");
        for (int i = 0; i < tenants.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (string.Equals(tenants[i].Name, tenants[j].Name, StringComparison.OrdinalIgnoreCase))
                    throw new UsageException($"tenant '{tenants[i].Name}' given twice");
                if (string.Equals(tenants[i].Key, tenants[j].Key, StringComparison.Ordinal))
                    throw new UsageException($"tenants '{tenants[j].Name}' and '{tenants[i].Name}' have the same key");
            }
        }
    }
}
