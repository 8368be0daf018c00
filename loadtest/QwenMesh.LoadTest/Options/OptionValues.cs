using System.Globalization;

namespace QwenMesh.LoadTest.Options;

/// <summary>Turns option values into typed values, or a <see cref="UsageException"/> naming the option.</summary>
public static class OptionValues
{
    public static int Int(string option, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new UsageException($"{option} must be an integer from {min} to {max}, got '{value}'");
        return v;
    }

    public static double Double(string option, string value, double min, double max, bool minExclusive)
    {
        bool parsed = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v);
        bool inRange = parsed && double.IsFinite(v) && (minExclusive ? v > min : v >= min) && v <= max;
        if (!inRange)
        {
            string lower = minExclusive ? $"greater than {Show(min)}" : $"from {Show(min)}";
            string range = double.IsPositiveInfinity(max) ? lower : $"{lower} to {Show(max)}";
            throw new UsageException($"{option} must be a number {range}, got '{value}'");
        }
        return v;
    }

    public static ulong ULong(string option, string value)
    {
        if (!ulong.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v))
            throw new UsageException($"{option} must be a non-negative integer, got '{value}'");
        return v;
    }

    /// <summary>A comma-separated list such as "1,8,32"; order is kept so phases run as written.</summary>
    public static IReadOnlyList<int> IntList(string option, string value, int min, int max)
    {
        string[] parts = value.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0))
            throw new UsageException($"{option} must be a comma-separated list of integers, got '{value}'");
        return parts.Select(p => Int(option, p, min, max)).ToArray();
    }

    /// <summary>An absolute http(s) URL; the trailing slash makes relative API paths append rather than replace.</summary>
    public static Uri BaseUrl(string option, string value)
    {
        bool ok = Uri.TryCreate(value, UriKind.Absolute, out Uri? uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment);
        if (!ok) throw new UsageException($"{option} must be an http:// or https:// URL without query, got '{value}'");
        string text = uri!.GetLeftPart(UriPartial.Path);
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    public static string NonEmpty(string option, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new UsageException($"{option} must not be empty") : value;

    static string Show(double v) => v.ToString(CultureInfo.InvariantCulture);
}
