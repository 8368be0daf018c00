namespace QwenMesh.Planner;

/// <summary>
/// What the planner reads of the mesh at one moment: the request rate and its mean prompt and completion lengths (over
/// the rate window; the rate also over the last minute, which shows a burst sooner), the prompt tokens queued for prefill, the sequences decode runs and keeps waiting, and how unevenly
/// the MoE layers load the expert workers (the busiest worker's routed tokens over the mean, at least 1).
/// </summary>
public sealed record MeshObservation(
    double RequestsPerSecond,
    double MeanPromptTokens,
    double MeanCompletionTokens,
    double PrefillQueueTokens,
    double DecodeRunning,
    double DecodeWaiting,
    double ExpertImbalance,
    double RecentRequestsPerSecond)
{
    public static readonly MeshObservation Idle = new(0, 0, 0, 0, 0, 0, 1, 0);
}
