using System.Net.Http.Json;
using QwenMesh.Hosting;

namespace QwenMesh.Gateway.Admission;

/// <summary>
/// Asks the decode pod that served a request what it used (decode's usage ledger, behind the mesh credential), once the
/// request has ended there. Null when the pod cannot say (it died): the caller then charges the whole reservation.
/// </summary>
public sealed class UsageReports(MeshCredential credential)
{
    /// <summary>How long decode may take to notice a cancelled request's end; it answers as soon as it has.</summary>
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    readonly HttpClient _client = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2), PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) })
    {
        Timeout = Wait + TimeSpan.FromSeconds(5),
    };

    public async Task<UsageReport?> GetAsync(string podAddress, string requestId, CancellationToken cancellation)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, podAddress.TrimEnd('/') + UsageReport.PathFor(requestId, (int)Wait.TotalMilliseconds));
        if (credential.Secret is { } secret) request.Headers.TryAddWithoutValidation(MeshCredential.Header, secret);
        try
        {
            using var response = await _client.SendAsync(request, cancellation);
            if (!response.IsSuccessStatusCode) return null;
            return await response.Content.ReadFromJsonAsync<UsageReport>(cancellation);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
