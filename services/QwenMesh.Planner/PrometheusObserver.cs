using System.Globalization;
using System.Text.Json;

namespace QwenMesh.Planner;

/// <summary>
/// Reads a <see cref="MeshObservation"/> from Prometheus's HTTP API (instant queries, <c>/api/v1/query</c>): every
/// query pins the mesh's namespace (other meshes and other namespaces' pods are not this mesh's load) and rates are
/// over the targets' <see cref="PlannerTargets.RateWindowSeconds"/>. The decode services report each request's prompt and completion lengths, the prefill
/// services their queue, the MoE clients the rows they route to each worker.
/// </summary>
public sealed class PrometheusObserver(HttpClient http, Uri prometheus, string? @namespace, PlannerTargets targets)
{
    readonly string Range = $"[{targets.RateWindowSeconds:0}s]", Recent = $"[{targets.RecentWindowSeconds:0}s]";

    string Selector => @namespace is null ? "" : $"{{namespace=\"{@namespace}\"}}";

    /// <summary>The PromQL of each figure, with the namespace filled in: one place for the names the planner reads.</summary>
    public IReadOnlyDictionary<string, string> Queries => new Dictionary<string, string>
    {
        ["requests"] = $"sum(rate(qwenmesh:request_prompt_tokens_count{Selector}{Range}))",
        ["recent_requests"] = $"sum(rate(qwenmesh:request_prompt_tokens_count{Selector}{Recent}))",
        ["prompt_tokens"] = $"sum(rate(qwenmesh:request_prompt_tokens_sum{Selector}{Range}))",
        ["completion_tokens"] = $"sum(rate(qwenmesh:request_generation_tokens_sum{Selector}{Range}))",
        ["prefill_queue_tokens"] = $"sum(qwenmesh:prefill_queue_tokens{Selector})",
        ["decode_running"] = $"sum(qwenmesh:num_requests_running{Selector})",
        ["decode_waiting"] = $"sum(qwenmesh:num_requests_waiting{Selector})",
        ["expert_busiest"] = $"max(sum by (worker) (rate(qwenmesh:expert_routed_tokens_total{Selector}{Range})))",
        ["expert_mean"] = $"avg(sum by (worker) (rate(qwenmesh:expert_routed_tokens_total{Selector}{Range})))",
    };

    public async Task<MeshObservation> ObserveAsync(CancellationToken cancellation)
    {
        var values = new Dictionary<string, double>();
        foreach (var (name, query) in Queries) values[name] = await QueryAsync(query, cancellation);
        double requests = values["requests"];
        double prompt = requests > 0 ? values["prompt_tokens"] / requests : 0;
        double completion = requests > 0 ? values["completion_tokens"] / requests : 0;
        double imbalance = values["expert_mean"] > 0 ? values["expert_busiest"] / values["expert_mean"] : 1;
        return new MeshObservation(requests, prompt, completion, values["prefill_queue_tokens"], values["decode_running"],
            values["decode_waiting"], imbalance, values["recent_requests"]);
    }

    /// <summary>One instant query's scalar: the first sample of its vector, 0 when the vector is empty (no such series yet).</summary>
    async Task<double> QueryAsync(string query, CancellationToken cancellation)
    {
        var url = new Uri(prometheus, "api/v1/query?query=" + Uri.EscapeDataString(query));
        using var response = await http.GetAsync(url, cancellation);
        string body = await response.Content.ReadAsStringAsync(cancellation);
        JsonElement root;
        try { root = JsonDocument.Parse(body).RootElement; }
        catch (JsonException) { throw new HttpRequestException($"Prometheus at {prometheus} answered HTTP {(int)response.StatusCode} with a body that is not JSON"); }
        if (root.GetProperty("status").GetString() != "success")
            throw new HttpRequestException($"Prometheus refused '{query}': {(root.TryGetProperty("error", out var e) ? e.GetString() : $"HTTP {(int)response.StatusCode}")}");
        var result = root.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() == 0) return 0;
        double value = double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        return double.IsFinite(value) ? value : 0;
    }
}
