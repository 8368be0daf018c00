using System.Diagnostics;

namespace QwenMesh.Engine.Telemetry;

/// <summary>The engine's spans (prefill batches, expert calls); recorded only when the process exports traces.</summary>
public static class EngineTracing
{
    public static readonly ActivitySource Source = new("QwenMesh.Engine");

    public const string BatchSize = "qwenmesh.batch.size";
    public const string BatchTokens = "qwenmesh.batch.tokens";
    public const string StateBytes = "qwenmesh.state.bytes";
    public const string Layer = "qwenmesh.expert.layer";
    public const string Worker = "qwenmesh.expert.worker";
    public const string Rows = "qwenmesh.expert.rows";

    /// <summary>The W3C traceparent of the current span, for messages that carry trace context themselves (expert calls on a long-lived stream).</summary>
    public static string TraceParent(Activity? span) => span is null ? "" : span.Id ?? "";
}
