using System.Globalization;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Ledger;

/// <summary>
/// GET /internal/v1/requests/{id}/usage?wait_ms=N: the ledger entry of a request, waiting up to N ms (at most
/// <see cref="MaxWait"/>) for one still running; 404 when none by then. Internal: the mesh credential is required when
/// the mesh has a secret. Not behind the drain gate: a draining pod still answers for the requests it served.
/// </summary>
public sealed class UsageEndpoint(UsageLedger ledger, MeshCredential credential)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    public async Task HandleAsync(HttpContext http, string id)
    {
        if (!credential.Accepts(http.Request.Headers[MeshCredential.Header]))
            throw new OpenAiException(401, OpenAiException.InvalidRequestType, $"internal endpoint: a valid mesh credential ({MeshCredential.Header}) is required",
                code: "invalid_mesh_credential");
        TimeSpan wait = Wait(http.Request.Query["wait_ms"]);
        UsageEntry? entry = await ledger.WaitAsync(id, wait, http.RequestAborted);
        if (entry is null) throw OpenAiException.NotFound($"no usage is recorded for request '{id}'", code: "request_not_found");
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(entry.ToJson(id), http.RequestAborted);
    }

    static TimeSpan Wait(string? given)
    {
        if (string.IsNullOrEmpty(given)) return TimeSpan.Zero;
        if (!int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out int ms))
            throw OpenAiException.BadRequest($"wait_ms must be a whole number of milliseconds, not '{given}'", "wait_ms");
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxWait.TotalMilliseconds));
    }
}
