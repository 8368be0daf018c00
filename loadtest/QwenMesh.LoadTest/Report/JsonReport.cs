using System.Text;
using System.Text.Json;
using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest.Report;

/// <summary>
/// Writes the run as one line of JSON, flat per phase so a script can read it with one jq path;
/// a quantity with no data (every request failed) is null, never zero.
/// </summary>
public static class JsonReport
{
    public static string Render(RunReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("url", report.Options.BaseUrl.ToString());
            json.WriteString("model", report.Model);
            json.WriteNumber("requests_per_phase", report.Options.RequestsPerPhase);
            json.WriteNumber("max_tokens", report.Options.MaxTokens);
            json.WriteNumber("prompt_words", report.Options.PromptWords);
            json.WriteNumber("long_prompt_words", report.Options.LongPromptWords);
            json.WriteNumber("long_fraction", report.Options.LongFraction);
            json.WriteBoolean("sessions", report.Options.Sessions);
            json.WriteNumber("temperature", report.Options.Temperature);
            WriteNumberOrNull(json, "ttft_target_ms", report.Options.TtftTargetMs);
            WriteNumberOrNull(json, "itl_target_ms", report.Options.ItlTargetMs);
            json.WriteNumber("retry_429", report.Options.Retry429);
            json.WriteStartArray("phases");
            foreach (PhaseResult phase in report.Phases) WritePhase(json, phase);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    static void WritePhase(Utf8JsonWriter json, PhaseResult phase)
    {
        json.WriteStartObject();
        json.WriteNumber("concurrency", phase.Concurrency);
        json.WriteNumber("requests", phase.Requests);
        json.WriteNumber("succeeded", phase.Succeeded);
        json.WriteNumber("failed", phase.Failed);
        json.WriteNumber("refused", phase.Refused);
        json.WriteStartObject("errors");
        foreach ((string key, int count) in phase.Errors) json.WriteNumber(key, count);
        json.WriteEndObject();
        WriteCounts(json, "refusals", phase.Refusals);
        json.WriteNumber("retries", phase.Retries);
        json.WriteNumber("wall_s", Round(phase.Wall.TotalSeconds));
        WriteNumberOrNull(json, "ttft_p50_ms", phase.TtftMs?.P50);
        WriteNumberOrNull(json, "ttft_p99_ms", phase.TtftMs?.P99);
        WriteNumberOrNull(json, "itl_p50_ms", phase.ItlMs?.P50);
        WriteNumberOrNull(json, "itl_p99_ms", phase.ItlMs?.P99);
        WriteNumberOrNull(json, "e2e_mean_ms", phase.E2eMs?.Mean);
        WriteNumberOrNull(json, "e2e_p50_ms", phase.E2eMs?.P50);
        WriteNumberOrNull(json, "e2e_p99_ms", phase.E2eMs?.P99);
        WriteNumberOrNull(json, "output_tokens_per_s_mean", phase.OutputTokensPerSecond?.Mean);
        WriteNumberOrNull(json, "output_tokens_per_s_p50", phase.OutputTokensPerSecond?.P50);
        json.WriteNumber("throughput_tokens_per_s", Round(phase.ThroughputTokensPerSecond));
        json.WriteNumber("goodput_requests", phase.Goodput.Good);
        json.WriteNumber("goodput_fraction", Round(phase.Goodput.Fraction));
        json.WriteNumber("goodput_per_s", Round(phase.Goodput.RatePerSecond));
        json.WriteNumber("prompt_tokens", phase.PromptTokens);
        json.WriteNumber("completion_tokens", phase.CompletionTokens);
        json.WriteNumber("cached_tokens", phase.CachedTokens);
        json.WriteNumber("requests_without_usage", phase.RequestsWithoutUsage);
        if (phase.ShortPrompts is { } shortPrompts) WriteClass(json, "short_prompts", shortPrompts);
        if (phase.LongPrompts is { } longPrompts) WriteClass(json, "long_prompts", longPrompts);
        if (phase.Tenants is { } tenants)
        {
            // Keyed by name (names are plain identifiers) so a script reads `.phases[0].tenants.alice.refused`.
            json.WriteStartObject("tenants");
            foreach (TenantResult tenant in tenants) WriteTenant(json, tenant);
            json.WriteEndObject();
            WriteNumberOrNull(json, "jain_fairness_index", phase.JainFairnessIndex);
        }
        json.WriteEndObject();
    }

    static void WriteTenant(Utf8JsonWriter json, TenantResult tenant)
    {
        json.WriteStartObject(tenant.Name);
        json.WriteNumber("weight", tenant.Weight);
        json.WriteNumber("requests", tenant.Requests);
        json.WriteNumber("succeeded", tenant.Succeeded);
        json.WriteNumber("refused", tenant.Refused);
        WriteCounts(json, "refusals", tenant.Refusals);
        json.WriteNumber("failed", tenant.Failed);
        json.WriteNumber("retries", tenant.Retries);
        json.WriteNumber("completion_tokens", tenant.CompletionTokens);
        WriteNumberOrNull(json, "ttft_p50_ms", tenant.TtftMs?.P50);
        WriteNumberOrNull(json, "ttft_p99_ms", tenant.TtftMs?.P99);
        json.WriteNumber("throughput_tokens_per_s", Round(tenant.ThroughputTokensPerSecond));
        json.WriteEndObject();
    }

    static void WriteCounts(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, int> counts)
    {
        json.WriteStartObject(name);
        foreach ((string key, int count) in counts) json.WriteNumber(key, count);
        json.WriteEndObject();
    }

    static void WriteClass(Utf8JsonWriter json, string name, PromptClassResult result)
    {
        json.WriteStartObject(name);
        json.WriteNumber("requests", result.Requests);
        json.WriteNumber("succeeded", result.Succeeded);
        WriteNumberOrNull(json, "ttft_p50_ms", result.TtftMs?.P50);
        WriteNumberOrNull(json, "ttft_p99_ms", result.TtftMs?.P99);
        WriteNumberOrNull(json, "itl_p50_ms", result.ItlMs?.P50);
        WriteNumberOrNull(json, "itl_p99_ms", result.ItlMs?.P99);
        json.WriteEndObject();
    }

    static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v) json.WriteNumber(name, Round(v));
        else json.WriteNull(name);
    }

    // Microsecond resolution is finer than anything measured over a network; more digits are noise.
    static double Round(double value) => Math.Round(value, 3);
}
