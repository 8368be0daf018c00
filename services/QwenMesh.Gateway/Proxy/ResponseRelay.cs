using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using QwenMesh.Gateway.Admission;
using QwenMesh.Gateway.Tenancy;
using Yarp.ReverseProxy.Transforms;

namespace QwenMesh.Gateway.Proxy;

/// <summary>
/// YARP's response transform for decode's answers: as the response headers arrive, the reservation comes down to the
/// prompt's real size plus the completion bound (decode's x-qwenmesh-prompt-tokens), and the body is relayed through
/// <see cref="UpstreamBody"/> (first-byte time, an error event for a stream whose pod died).
/// </summary>
public sealed class ResponseRelay(IQuotaStore quotas, ILogger<ResponseRelay> log)
{
    public async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        if (context.ProxyResponse is not { } response) return;
        var http = context.HttpContext;
        // One request id, the gateway's (decode echoes the same one; YARP would add it as a second value).
        http.Response.Headers[Hosting.MeshIdentity.RequestIdHeader] = http.TraceIdentifier;
        var admitted = http.Features.Get<AdmittedRequest>();
        if (admitted is not null && response.Headers.TryGetValues(Hosting.UsageReport.PromptTokensHeader, out var values)
            && int.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int prompt))
        {
            admitted.PromptTokens = prompt;
            long revised = (long)prompt + admitted.CompletionBound;
            if (revised < admitted.Reserved)
            {
                admitted.Reserved = revised;
                admitted.Revision = ReviseAsync(admitted, revised);
            }
        }
        if (http.Features.Get<Tenant>() is { Models: { } allowed } && http.Request.Path.Equals("/v1/models") && response.IsSuccessStatusCode)
        {
            await ModelsOfTheTenantAsync(http, response, allowed);
            return;
        }
        bool eventStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        response.Content = new UpstreamBody(response.Content, eventStream, () =>
        {
            if (admitted is not null) admitted.FirstBytesAt = Stopwatch.GetTimestamp();
        }, () =>
        {
            if (admitted is not null) admitted.PodDied = true;
        }, http.RequestAborted);
        // A stream's headers go out now, as decode sent them: YARP would hold them until the first event, and a
        // client waiting on a long prefill would see nothing, not even that it was admitted.
        if (eventStream) await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    /// <summary>A tenant limited to some models lists only those (as LiteLLM and OpenAI projects do): the others would be 404 model_not_found.</summary>
    static async Task ModelsOfTheTenantAsync(Microsoft.AspNetCore.Http.HttpContext http, HttpResponseMessage response, IReadOnlyList<string> allowed)
    {
        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync(http.RequestAborted)) as JsonObject;
        if (list?["data"] is JsonArray data)
        {
            foreach (var card in data.Where(c => c?["id"]?.GetValue<string>() is not { } id || !allowed.Contains(id)).ToList()) data.Remove(card);
        }
        byte[] body = Encoding.UTF8.GetBytes(list?.ToJsonString() ?? "{\"object\":\"list\",\"data\":[]}");
        response.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        http.Response.ContentLength = body.Length;
    }

    async Task ReviseAsync(AdmittedRequest admitted, long reserved)
    {
        try
        {
            await quotas.ReviseAsync(admitted.Tenant, admitted.RequestId, reserved, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The larger reservation stays until settlement: conservative, never over a limit.
            log.LogWarning(e, "request {RequestId}: could not lower its reservation", admitted.RequestId);
        }
    }
}
