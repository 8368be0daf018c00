using System.Globalization;
using System.Net;
using System.Text;
using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest.Report;

/// <summary>
/// The run as one self-contained HTML page: the summary table, then per phase its TTFT and ITL percentiles, its
/// throughput and its outcomes (succeeded, refused, failed) over time, slice by slice.
/// </summary>
public static class HtmlReport
{
    const string Style = """
        body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
        .charts{display:flex;flex-wrap:wrap;gap:12px}svg{border:1px solid #e4e4e4;background:#fff}
        .t{font-size:13px;font-weight:600}.a{font-size:11px;fill:#555}.g{stroke:#eee}
        """;

    public static string Render(RunReport report)
    {
        var o = report.Options;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>qwenmesh-load: ")
            .Append(Esc(report.Model)).Append("</title><style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>qwenmesh-load: ").Append(Esc(report.Model)).Append(" at ").Append(Esc(o.BaseUrl.ToString())).Append("</h1>");
        html.Append(Inv($"<p>{o.RequestsPerPhase} requests per phase, max_tokens {o.MaxTokens}, prompts of {o.PromptWords} words"))
            .Append(o.Sessions ? Inv($", sessions of {o.TurnsPerSession} turns") : "")
            .Append(o.Tenants.Count > 0 ? ", tenants " + Esc(string.Join(", ", o.Tenants.Select(t => t.Name))) : "")
            .Append(". Latencies in ms.</p>");

        html.Append("<table><tr><th>conc</th><th>requests</th><th>ok</th><th>refused</th><th>failed</th><th>TTFT p50</th><th>TTFT p99</th>")
            .Append("<th>ITL p50</th><th>ITL p99</th><th>E2E p50</th><th>tok/s</th><th>goodput</th></tr>");
        foreach (var p in report.Phases)
            html.Append(Inv($"<tr><td>{p.Concurrency}</td><td>{p.Requests}</td><td>{p.Succeeded}</td><td>{p.Refused}</td><td>{p.Failed}</td>"))
                .Append(Inv($"<td>{Ms(p.TtftMs?.P50)}</td><td>{Ms(p.TtftMs?.P99)}</td><td>{Ms(p.ItlMs?.P50)}</td><td>{Ms(p.ItlMs?.P99)}</td>"))
                .Append(Inv($"<td>{Ms(p.E2eMs?.P50)}</td><td>{p.ThroughputTokensPerSecond:0.0}</td><td>{p.Goodput.Fraction:P0}</td></tr>"));
        html.Append("</table>");

        foreach (var p in report.Phases)
        {
            html.Append(Inv($"<h2>Phase {p.Phase + 1}: concurrency {p.Concurrency}, {p.Wall.TotalSeconds:0.0} s</h2>"));
            if (p.Errors.Count > 0)
                html.Append("<p>errors: ").Append(Esc(string.Join(", ", p.Errors.Select(e => $"{e.Key} x{e.Value}")))).Append("</p>");
            var x = p.Timeline.Select(s => s.EndS).ToList();
            html.Append("<div class=\"charts\">");
            html.Append(SvgChart.Lines("Time to first token", "ms, by when requests ended", x,
            [
                new("p50", "#1f77b4", p.Timeline.Select(s => s.TtftP50Ms).ToList()),
                new("p99", "#d62728", p.Timeline.Select(s => s.TtftP99Ms).ToList()),
            ]));
            html.Append(SvgChart.Lines("Inter-token latency", "ms", x,
            [
                new("p50", "#1f77b4", p.Timeline.Select(s => s.ItlP50Ms).ToList()),
                new("p99", "#d62728", p.Timeline.Select(s => s.ItlP99Ms).ToList()),
            ]));
            html.Append(SvgChart.Lines("Throughput", "completion tokens/s", x,
                [new("tok/s", "#2ca02c", p.Timeline.Select(s => (double?)s.TokensPerSecond).ToList())]));
            html.Append(SvgChart.Bars("Requests ended", "requests per slice", x,
            [
                new("ok", "#2ca02c", p.Timeline.Select(s => (double?)s.Succeeded).ToList()),
                new("refused (429)", "#ff7f0e", p.Timeline.Select(s => (double?)s.Refused).ToList()),
                new("failed", "#d62728", p.Timeline.Select(s => (double?)s.Failed).ToList()),
            ]));
            html.Append("</div>");
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    static string Ms(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";

    static string Esc(string text) => WebUtility.HtmlEncode(text);

    static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
