using System.Text.Json;
using QwenMesh.LoadTest.Options;

namespace QwenMesh.LoadTest.Api;

/// <summary>
/// Asks GET /v1/models before a run: it proves the server is reachable and, without --model, names the model.
/// </summary>
public static class ModelCatalog
{
    /// <exception cref="ServerUnreachableException">No answer, or no model to use.</exception>
    public static async Task<string> ResolveModelAsync(HttpClient http, LoadOptions options, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, options.ModelsUri);
        ApiHttp.Authorize(request, options.CatalogKey);

        HttpResponseMessage response;
        string body;
        try
        {
            response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ServerUnreachableException($"cannot reach {options.BaseUrl}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServerUnreachableException($"no answer from {options.ModelsUri} within {options.Timeout.TotalSeconds:0.###} s", e);
        }

        using (response)
        {
            // With --model the server only had to answer; some servers do not list models at all.
            if (options.Model is not null) return options.Model;
            if (!response.IsSuccessStatusCode)
            {
                throw new ServerUnreachableException(
                    $"GET {options.ModelsUri} answered {(int)response.StatusCode}: {ApiErrorBody.FromBody(body) ?? "no body"}; pass --model");
            }
            return FirstModel(body)
                ?? throw new ServerUnreachableException($"GET {options.ModelsUri} listed no model; pass --model");
        }
    }

    /// <summary>The id of the first entry of an OpenAI model list `{"data":[{"id":...}]}`.</summary>
    public static string? FirstModel(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("data", out JsonElement data)
                && data.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement entry in data.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("id", out JsonElement id)
                        && id.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(id.GetString()))
                        return id.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Falls through to "no model": the caller's message tells the user what to do.
        }
        return null;
    }
}
