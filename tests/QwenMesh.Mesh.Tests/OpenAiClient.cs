using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace QwenMesh.Mesh.Tests;

/// <summary>Just enough of an OpenAI client for the tests: JSON bodies, SSE streams, headers.</summary>
public sealed class OpenAiClient(Uri baseUrl) : IDisposable
{
    readonly HttpClient _http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };

    public static string Chat(string model, object[] messages, int maxTokens, bool stream = false, object? extra = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["model"] = model, ["messages"] = messages, ["max_tokens"] = maxTokens, ["temperature"] = 0, ["stream"] = stream,
        };
        if (stream) body["stream_options"] = new { include_usage = true };
        if (extra is not null)
            foreach (var p in extra.GetType().GetProperties()) body[p.Name] = p.GetValue(extra);
        return JsonSerializer.Serialize(body);
    }

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, string json,
        IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (k, v) in headers ?? new Dictionary<string, string>()) request.Headers.Add(k, v);
        HttpResponseMessage response = await _http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    /// <summary>Posts a streaming request and returns the JSON of every data event, and whether [DONE] ended it.</summary>
    public async Task<(List<JsonElement> Events, bool Done)> StreamAsync(string json, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (k, v) in headers ?? new Dictionary<string, string>()) request.Headers.Add(k, v);
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(new MediaTypeHeaderValue("text/event-stream").MediaType, response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<JsonElement>();
        bool done = false;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            string data = line["data: ".Length..];
            if (data == "[DONE]") done = true;
            else events.Add(JsonDocument.Parse(data).RootElement.Clone());
        }
        return (events, done);
    }

    public HttpClient Http => _http;

    public void Dispose() => _http.Dispose();
}
