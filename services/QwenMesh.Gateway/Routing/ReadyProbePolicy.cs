using System.Text.Json;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace QwenMesh.Gateway.Routing;

/// <summary>
/// Reads each decode pod's <c>/ready</c> probe: 2xx is healthy and its body's <c>running</c> and <c>waiting</c> become
/// the pod's reported load; anything else (a pod starting, draining on SIGTERM, or gone) is unhealthy at once, so a
/// draining pod stops getting new requests within one probe interval while its running streams go on.
/// </summary>
public sealed class ReadyProbePolicy(IDestinationHealthUpdater health, PodLoad load, ILogger<ReadyProbePolicy> log) : IActiveHealthCheckPolicy
{
    public const string PolicyName = "QwenMeshReady";
    public const string Path = "/ready";

    /// <summary>The probe body arrives with its headers; waiting longer would hold up every pod's probe.</summary>
    static readonly TimeSpan BodyWait = TimeSpan.FromMilliseconds(200);

    public string Name => PolicyName;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        var states = new List<NewActiveDestinationHealth>(probingResults.Count);
        foreach (var result in probingResults)
        {
            string address = SessionOrLeastLoadedPolicy.Address(result.Destination);
            bool healthy = result.Response is { IsSuccessStatusCode: true } response && ReportLoad(address, response);
            if (!healthy)
            {
                load.Forget(address);
                if (result.Destination.Health.Active != DestinationHealth.Unhealthy)
                    log.LogWarning("decode pod {Address} is not ready ({Reason}): no new requests go there", address, result.Response is { } r ? $"HTTP {(int)r.StatusCode}" : result.Exception?.Message);
            }
            else if (result.Destination.Health.Active == DestinationHealth.Unhealthy)
            {
                log.LogInformation("decode pod {Address} is ready again", address);
            }
            states.Add(new NewActiveDestinationHealth(result.Destination, healthy ? DestinationHealth.Healthy : DestinationHealth.Unhealthy));
        }
        health.SetActive(cluster, states);
    }

    bool ReportLoad(string address, HttpResponseMessage response)
    {
        try
        {
            var read = response.Content.ReadAsByteArrayAsync();
            if (!read.Wait(BodyWait)) return true;   // healthy; the load figure waits for the next probe
            using var body = JsonDocument.Parse(read.Result);
            int running = body.RootElement.TryGetProperty("running", out var r) && r.TryGetInt32(out int rv) ? rv : 0;
            int waiting = body.RootElement.TryGetProperty("waiting", out var w) && w.TryGetInt32(out int wv) ? wv : 0;
            load.Report(address, running + waiting);
            return true;
        }
        catch (Exception e) when (e is JsonException or AggregateException or HttpRequestException)
        {
            return true;   // a ready pod whose body we could not read is still ready
        }
    }
}
