namespace QwenMesh.Planner.Simulation;

/// <summary>
/// A load to replay: requests per second and the MoE imbalance (busiest expert worker over the mean) at each second,
/// with prompt and completion lengths drawn uniformly from their ranges. The named traces are the shapes autoscaling
/// has to get right: bursts (and bursts faster than a pod starts), traffic that stops and comes back, a compressed day, and a hot expert.
/// </summary>
public sealed record LoadTrace(string Name, double Seconds, Func<double, double> Rate, Func<double, double> Imbalance,
    (int Min, int Max) PromptTokens, (int Min, int Max) CompletionTokens)
{
    static readonly (int, int) Prompts = (128, 896), Completions = (32, 224);
    const double Minute = 60;

    /// <summary>0.5 requests/s with a burst to 3/s every 30 minutes (5-minute ramps, 8 minutes at the top), for 2 hours.</summary>
    public static readonly LoadTrace Bursts = new("bursts", 120 * Minute, t => Burst(t, ramp: 5 * Minute), _ => 1.2, Prompts, Completions);

    /// <summary>
    /// The same bursts arriving within 30 seconds: faster than a pod starts, so no autoscaler meets them without pods
    /// kept in reserve; the trace shows what they cost.
    /// </summary>
    public static readonly LoadTrace FlashCrowd = new("flash-crowd", 120 * Minute, t => Burst(t, ramp: 0.5 * Minute), _ => 1.2, Prompts, Completions);

    /// <summary>1.5 requests/s for 40 minutes, nothing for 40, then 1.5/s again.</summary>
    public static readonly LoadTrace DropToZero = new("drop-to-zero", 120 * Minute,
        t => t is >= 40 * Minute and < 80 * Minute ? 0 : 1.5, _ => 1.2, Prompts, Completions);

    /// <summary>A day in two hours: from 0.2 requests/s at night to 3/s at noon and back.</summary>
    public static readonly LoadTrace Diurnal = new("diurnal", 120 * Minute,
        t => 0.2 + 2.8 * (1 - Math.Cos(2 * Math.PI * t / (120 * Minute))) / 2, _ => 1.2, Prompts, Completions);

    /// <summary>A steady 1.5 requests/s whose routing turns hot (one worker gets 2.5x the mean) from minute 40 to 80.</summary>
    public static readonly LoadTrace HotExpert = new("hot-expert", 120 * Minute,
        _ => 1.5, t => t is >= 40 * Minute and < 80 * Minute ? 2.5 : 1.2, Prompts, Completions);

    public static readonly IReadOnlyList<LoadTrace> All = [Bursts, DropToZero, Diurnal, HotExpert, FlashCrowd];

    /// <summary>0.5 requests/s rising to 3/s from minute 10 of every half hour over <paramref name="ramp"/>, 8 minutes at the top, and back down.</summary>
    static double Burst(double t, double ramp)
    {
        double s = t % (30 * Minute) - 10 * Minute;
        double up = Math.Clamp(s / ramp, 0, 1), down = Math.Clamp((2 * ramp + 8 * Minute - s) / ramp, 0, 1);
        return 0.5 + 2.5 * Math.Min(up, down);
    }

    public static LoadTrace Named(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"unknown trace '{name}' ({string.Join(", ", All.Select(t => t.Name))})");

    /// <summary>The highest rate and imbalance of the trace (sampled each second): what a static pool is sized for.</summary>
    public (double Rate, double Imbalance) Peak()
    {
        double rate = 0, imbalance = 1;
        for (double t = 0; t < Seconds; t++)
        {
            rate = Math.Max(rate, Rate(t));
            imbalance = Math.Max(imbalance, Imbalance(t));
        }
        return (rate, imbalance);
    }
}
