using System.Globalization;
using System.Text.Json;

namespace QwenMesh.Planner;

/// <summary>
/// What one pod of each pool does per second, the planner's (and the simulator's) model of the mesh: prefill tokens/s
/// by prompt length and decode tokens/s by batch size, as <c>qwenmesh bench --json</c> measures them (its
/// <c>prefill_tokens_per_s</c> and <c>decode_tokens_per_s</c> objects), the MoE tokens/s one expert worker serves, and
/// how long a new pod takes to load the model and become ready.
/// </summary>
public sealed record Calibration(
    IReadOnlyList<(int Tokens, double TokensPerSecond)> Prefill,
    IReadOnlyList<(int Batch, double TokensPerSecond)> Decode,
    double ExpertTokensPerSecond,
    double PodStartSeconds)
{
    /// <summary>
    /// Measured on the 2-core Debian 12 machine with <c>./qwenmesh bench --json</c> (bench preset, bf16; the README's
    /// Benchmark table). The expert worker's figure is not measured alone: <c>./qwenmesh bench-experts --preset bench</c>
    /// served 91.5 tokens/s at batch 32 through two workers that shared the two cores with decode, so one worker on
    /// its own pod is taken to serve that rate. Pod start: a bench checkpoint loads in seconds here; 60 s stands for a
    /// real model read from a volume.
    /// </summary>
    public static readonly Calibration Measured = new(
        [(512, 521), (4096, 362)],
        [(1, 16.3), (8, 60.3), (32, 113.7)],
        ExpertTokensPerSecond: 91.5,
        PodStartSeconds: 60);

    /// <summary>Reads the last line of <c>qwenmesh bench --json</c> (or a file holding it) for the prefill and decode figures; keeps the rest.</summary>
    public static Calibration FromBenchJson(string json, Calibration? rest = null)
    {
        rest ??= Measured;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("the calibration is not a JSON object (the last line of qwenmesh bench --json)");
            var prefill = Points(root, "prefill_tokens_per_s");
            var decode = Points(root, "decode_tokens_per_s");
            double expert = root.TryGetProperty("expert_tokens_per_s", out var e) ? Positive(e, "expert_tokens_per_s") : rest.ExpertTokensPerSecond;
            double start = root.TryGetProperty("pod_start_s", out var s) ? Positive(s, "pod_start_s") : rest.PodStartSeconds;
            return new Calibration(prefill, decode, expert, start);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new InvalidDataException($"the calibration is not the JSON line of qwenmesh bench --json: {ex.Message}", ex);
        }
    }

    static double Positive(JsonElement value, string name) => value.GetDouble() is > 0 and var v && double.IsFinite(v)
        ? v : throw new InvalidDataException($"\"{name}\" must be a positive number");

    static List<(int, double)> Points(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var figures) || figures.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"the calibration has no \"{name}\" object (the last line of qwenmesh bench --json has one)");
        var points = figures.EnumerateObject()
            .Select(p => (int.Parse(p.Name, CultureInfo.InvariantCulture), p.Value.GetDouble()))
            .OrderBy(p => p.Item1).ToList();
        if (points.Count == 0 || points.Any(p => p.Item1 < 1 || p.Item2 <= 0))
            throw new InvalidDataException($"\"{name}\" needs positive sizes and rates");
        return points;
    }

    /// <summary>
    /// The expert work of a prefill token in decode tokens: prompts reach the experts in large batches, so a prefill
    /// token costs what the measured rates say (the best decode rate over the prefill rate of short prompts).
    /// Expert load and <see cref="ExpertTokensPerSecond"/> are in decode tokens.
    /// </summary>
    public double PrefillExpertCost => Decode[^1].TokensPerSecond / Prefill[0].TokensPerSecond;

    /// <summary>The expert work per second of this much prefill and decode, in decode tokens.</summary>
    public double ExpertLoad(double prefillTokensPerSecond, double decodeTokensPerSecond) =>
        prefillTokensPerSecond * PrefillExpertCost + decodeTokensPerSecond;

    /// <summary>Prefill tokens/s of one pod for prompts of this length (linear between measured lengths, flat outside).</summary>
    public double PrefillTokensPerSecond(double promptTokens) => Interpolate(Prefill, promptTokens);

    /// <summary>Seconds between two tokens of a sequence in a decode batch of this size.</summary>
    public double InterTokenSeconds(double batch)
    {
        batch = Math.Max(1, batch);
        return batch / Interpolate(Decode, batch);
    }

    /// <summary>The largest decode batch whose inter-token latency stays within <paramref name="seconds"/> (at least 1).</summary>
    public int BatchWithin(double seconds)
    {
        int batch = 1;
        while (batch < 4096 && InterTokenSeconds(batch + 1) <= seconds) batch++;
        return batch;
    }

    static double Interpolate(IReadOnlyList<(int X, double Y)> points, double x)
    {
        if (x <= points[0].X) return points[0].Y;
        for (int i = 1; i < points.Count; i++)
        {
            if (x > points[i].X) continue;
            var (x0, y0) = points[i - 1];
            var (x1, y1) = points[i];
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
        return points[^1].Y;
    }
}
