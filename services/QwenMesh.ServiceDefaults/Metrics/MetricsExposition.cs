using System.Text;
using Microsoft.AspNetCore.Http;
using Prometheus;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>
/// <c>GET /metrics</c>: the registry in the Prometheus text format, with QwenMesh's names restored to their
/// <c>qwenmesh:</c> form (see <see cref="MeshMetricFactory"/>). Only metric names are rewritten, never label values.
/// </summary>
public static class MetricsExposition
{
    const string Exposed = "qwenmesh:";

    public static async Task WriteAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(buffer, http.RequestAborted);
        string text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var output = new StringBuilder(text.Length);
        foreach (string line in text.Split('\n'))
        {
            if (output.Length > 0) output.Append('\n');
            output.Append(Rename(line));
        }
        http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await http.Response.WriteAsync(output.ToString(), http.RequestAborted);
    }

    /// <summary>A sample line starts with the metric name; a HELP or TYPE line names it after its keyword.</summary>
    static string Rename(string line)
    {
        foreach (string head in (ReadOnlySpan<string>)["# HELP ", "# TYPE ", ""])
        {
            if (line.StartsWith(head + MeshMetricFactory.Registered, StringComparison.Ordinal))
                return head + Exposed + line[(head.Length + MeshMetricFactory.Registered.Length)..];
        }
        return line;
    }
}
