using System.Diagnostics;
using System.Text.Json;
using OpenTelemetry;

namespace QwenMesh.ServiceDefaults.Tracing;

/// <summary>
/// Writes each finished span as one JSON line to a file of its own process (under <c>QwenMesh:Tracing:Directory</c>):
/// traces without a collector, for a laptop, a CI job or a bug report. Deployments send OTLP instead.
/// </summary>
public sealed class SpanFileExporter(string path, string service) : BaseExporter<Activity>
{
    readonly StreamWriter _out = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (Activity span in batch)
        {
            var line = new Dictionary<string, object?>
            {
                ["service"] = service,
                ["trace_id"] = span.TraceId.ToHexString(),
                ["span_id"] = span.SpanId.ToHexString(),
                ["parent_span_id"] = span.ParentSpanId == default ? null : span.ParentSpanId.ToHexString(),
                ["name"] = span.DisplayName,
                ["kind"] = span.Kind.ToString().ToLowerInvariant(),
                ["start_unix_ms"] = span.StartTimeUtc.Subtract(DateTime.UnixEpoch).TotalMilliseconds,
                ["duration_ms"] = span.Duration.TotalMilliseconds,
                ["status"] = span.Status.ToString().ToLowerInvariant(),
                ["attributes"] = span.TagObjects.ToDictionary(t => t.Key, t => t.Value),
            };
            lock (_out) _out.WriteLine(JsonSerializer.Serialize(line));
        }
        return ExportResult.Success;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _out.Dispose();
        base.Dispose(disposing);
    }
}
