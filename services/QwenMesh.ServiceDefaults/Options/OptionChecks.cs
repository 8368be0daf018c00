using System.Globalization;

namespace QwenMesh.ServiceDefaults.Options;

/// <summary>
/// Collects what is wrong with one options section, each failure naming the full configuration key and the value
/// given, so that a bad setting stops the process with a line an operator can act on.
/// </summary>
public sealed class OptionChecks(string section)
{
    readonly List<string> _failures = [];

    public IReadOnlyList<string> Failures => _failures;

    public string Key(string name) => $"{section}:{name}";

    public void Fail(string name, object? value, string requirement) =>
        _failures.Add($"{Key(name)} {requirement}, got '{Convert.ToString(value, CultureInfo.InvariantCulture)}'");

    public void AtLeast(string name, double value, double minimum)
    {
        if (!(value >= minimum)) Fail(name, value, $"must be at least {minimum.ToString(CultureInfo.InvariantCulture)}");
    }

    public void Positive(string name, double value)
    {
        if (!(value > 0)) Fail(name, value, "must be greater than 0");
    }

    public void Required(string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) Fail(name, value, "is required");
    }

    /// <summary>Histogram buckets: at least one, finite, positive and strictly increasing.</summary>
    public void Buckets(string name, double[]? buckets)
    {
        bool valid = buckets is { Length: > 0 } && buckets.All(b => double.IsFinite(b) && b > 0)
            && buckets.Zip(buckets.Skip(1)).All(p => p.First < p.Second);
        if (!valid) Fail(name, buckets is null ? null : string.Join(",", buckets.Select(b => b.ToString(CultureInfo.InvariantCulture))),
            "must be positive, increasing bucket bounds");
    }
}
