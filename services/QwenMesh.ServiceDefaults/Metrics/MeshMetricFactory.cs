using Prometheus;

namespace QwenMesh.ServiceDefaults.Metrics;

/// <summary>
/// Creates metrics under their exposed names (<c>qwenmesh:num_requests_running</c>, vLLM's scheme). prometheus-net
/// refuses ':' in names (Prometheus keeps it for recording rules, which vLLM ignores), so a metric is registered as
/// <c>qwenmesh__...</c> and <see cref="MetricsExposition"/> writes it back as <c>qwenmesh:...</c>: the rename lives here only.
/// </summary>
public sealed class MeshMetricFactory(IMetricFactory factory)
{
    const string Exposed = "qwenmesh:";
    internal const string Registered = "qwenmesh__";

    static string Register(string name) =>
        name.StartsWith(Exposed, StringComparison.Ordinal) ? Registered + name[Exposed.Length..] : name;

    public Counter Counter(string name, string help, params string[] labels) =>
        factory.CreateCounter(Register(name), help, new CounterConfiguration { LabelNames = labels });

    public Gauge Gauge(string name, string help, params string[] labels) =>
        factory.CreateGauge(Register(name), help, new GaugeConfiguration { LabelNames = labels });

    public Histogram Histogram(string name, string help, double[] buckets, params string[] labels) =>
        factory.CreateHistogram(Register(name), help, new HistogramConfiguration { Buckets = buckets, LabelNames = labels });
}
