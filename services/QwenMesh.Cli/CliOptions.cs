using System.Globalization;

namespace QwenMesh.Cli;

/// <summary>`--name value` and `--flag` options of one command; every option given must be used by the command.</summary>
public sealed class CliOptions
{
    readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public static CliOptions Parse(IEnumerable<string> args)
    {
        var options = new CliOptions();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2) throw new CliUsageException($"unexpected argument '{a}'");
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = list[++i];
            }
            if (!options._values.TryAdd(name, value)) throw new CliUsageException($"option --{name} given twice");
        }
        return options;
    }

    public bool Flag(string name)
    {
        if (!_values.TryGetValue(name, out string? value)) return false;
        _used.Add(name);
        if (value is not null) throw new CliUsageException($"option --{name} takes no value");
        return true;
    }

    public string? String(string name)
    {
        if (!_values.TryGetValue(name, out string? value)) return null;
        _used.Add(name);
        return value ?? throw new CliUsageException($"option --{name} needs a value");
    }

    public string Required(string name) => String(name) ?? throw new CliUsageException($"missing required option --{name}");

    public int? Int(string name, int min = int.MinValue)
    {
        string? s = String(name);
        if (s is null) return null;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min)
            throw new CliUsageException($"--{name} must be an integer >= {min}, got '{s}'");
        return v;
    }

    public double? Double(string name)
    {
        string? s = String(name);
        if (s is null) return null;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new CliUsageException($"--{name} must be a number, got '{s}'");
        return v;
    }

    public ulong? ULong(string name)
    {
        string? s = String(name);
        if (s is null) return null;
        if (!ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v))
            throw new CliUsageException($"--{name} must be a non-negative integer, got '{s}'");
        return v;
    }

    /// <summary>A comma-separated list of token ids.</summary>
    public int[]? Tokens(string name)
    {
        string? s = String(name);
        if (s is null) return null;
        string[] parts = s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new CliUsageException($"--{name} needs at least one token id");
        return parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) && id >= 0
            ? id
            : throw new CliUsageException($"--{name}: '{p}' is not a token id")).ToArray();
    }

    public void EnsureAllUsed()
    {
        string? unused = _values.Keys.FirstOrDefault(k => !_used.Contains(k));
        if (unused is not null) throw new CliUsageException($"unknown option --{unused}");
    }
}
