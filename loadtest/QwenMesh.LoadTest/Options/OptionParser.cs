namespace QwenMesh.LoadTest.Options;

/// <summary>
/// Parses `--name value`, `--name=value` and `--flag` arguments into <see cref="LoadOptions"/>.
/// Any mistake is a <see cref="UsageException"/> with a message fit for one stderr line.
/// </summary>
public static class OptionParser
{
    delegate LoadOptions Apply(LoadOptions options, string value);

    sealed record Spec(bool TakesValue, Apply Apply, bool Repeatable = false);

    // Upper bounds keep a typo (an extra zero) from turning into a run that never ends or exhausts memory.
    static readonly Dictionary<string, Spec> Specs = new(StringComparer.Ordinal)
    {
        ["--url"] = Value((o, v) => o with { BaseUrl = OptionValues.BaseUrl("--url", v) }),
        ["--model"] = Value((o, v) => o with { Model = OptionValues.NonEmpty("--model", v) }),
        ["--concurrency"] = Value((o, v) => o with { ConcurrencyLevels = OptionValues.IntList("--concurrency", v, 1, 4096) }),
        ["--requests"] = Value((o, v) => o with { RequestsPerPhase = OptionValues.Int("--requests", v, 1, 1_000_000) }),
        ["--max-tokens"] = Value((o, v) => o with { MaxTokens = OptionValues.Int("--max-tokens", v, 1, 1_000_000) }),
        ["--prompt-words"] = Value((o, v) => o with { PromptWords = OptionValues.Int("--prompt-words", v, 1, 1_000_000) }),
        ["--long-prompt-words"] = Value((o, v) => o with { LongPromptWords = OptionValues.Int("--long-prompt-words", v, 1, 1_000_000) }),
        ["--long-fraction"] = Value((o, v) => o with { LongFraction = OptionValues.Double("--long-fraction", v, 0, 1, minExclusive: false) }),
        ["--seed"] = Value((o, v) => o with { Seed = OptionValues.ULong("--seed", v) }),
        ["--sessions"] = Flag(o => o with { Sessions = true }),
        ["--turns"] = Value((o, v) => o with { TurnsPerSession = OptionValues.Int("--turns", v, 1, 1000) }),
        ["--ttft-target-ms"] = Value((o, v) => o with { TtftTargetMs = OptionValues.Double("--ttft-target-ms", v, 0, double.PositiveInfinity, minExclusive: true) }),
        ["--itl-target-ms"] = Value((o, v) => o with { ItlTargetMs = OptionValues.Double("--itl-target-ms", v, 0, double.PositiveInfinity, minExclusive: true) }),
        ["--timeout-s"] = Value((o, v) => o with { Timeout = TimeSpan.FromSeconds(OptionValues.Double("--timeout-s", v, 0, 86_400, minExclusive: true)) }),
        ["--api-key"] = Value((o, v) => o with { ApiKey = OptionValues.NonEmpty("--api-key", v) }),
        ["--tenant"] = Value((o, v) => o with { Tenants = [.. o.Tenants, TenantValues.FromArgument(v)] }) with { Repeatable = true },
        ["--tenants"] = Value((o, v) => o with { Tenants = [.. o.Tenants, .. TenantFile.Read(OptionValues.NonEmpty("--tenants", v))] }),
        ["--retry-429"] = Value((o, v) => o with { Retry429 = OptionValues.Int("--retry-429", v, 0, 100) }),
        ["--temperature"] = Value((o, v) => o with { Temperature = OptionValues.Double("--temperature", v, 0, 2, minExclusive: false) }),
        ["--warmup"] = Value((o, v) => o with { Warmup = OptionValues.Int("--warmup", v, 0, 1_000_000) }),
        ["--json"] = Flag(o => o with { Json = true }),
        ["--html"] = Value((o, v) => o with { HtmlReport = OptionValues.NonEmpty("--html", v) }),
        ["--help"] = Flag(o => o with { ShowHelp = true }),
        ["-h"] = Flag(o => o with { ShowHelp = true }),
    };

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inline = null;
            int eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }
            if (!Specs.TryGetValue(name, out Spec? spec))
            {
                throw new UsageException(arg.StartsWith('-')
                    ? $"unknown option '{name}' (see --help)"
                    : $"unexpected argument '{arg}' (see --help)");
            }
            if (!seen.Add(name) && !spec.Repeatable) throw new UsageException($"{name} given twice");

            string value = "";
            if (spec.TakesValue)
            {
                // A following option is never taken as a value, so `--model --json` reports the missing name.
                if (inline is not null) value = inline;
                else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
                else throw new UsageException($"{name} needs a value");
            }
            else if (inline is not null)
            {
                throw new UsageException($"{name} takes no value");
            }
            options = spec.Apply(options, value);
        }
        if (options.ShowHelp) return options;
        CheckCombinations(options, seen);
        return options;
    }

    static void CheckCombinations(LoadOptions options, HashSet<string> seen)
    {
        if (seen.Contains("--long-prompt-words") != seen.Contains("--long-fraction"))
            throw new UsageException("--long-prompt-words and --long-fraction go together: give both or neither");
        if (seen.Contains("--turns") && !options.Sessions)
            throw new UsageException("--turns needs --sessions");
        if (options.Tenants.Count > 0)
        {
            if (options.ApiKey is not null) throw new UsageException("--api-key and --tenant/--tenants: give one or the other");
            TenantValues.CheckDistinct(options.Tenants);
        }
    }

    static Spec Value(Apply apply) => new(true, apply);

    static Spec Flag(Func<LoadOptions, LoadOptions> apply) => new(false, (o, _) => apply(o));
}
