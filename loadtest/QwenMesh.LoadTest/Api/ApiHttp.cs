using System.Net;
using System.Net.Http.Headers;
using QwenMesh.LoadTest.Options;

namespace QwenMesh.LoadTest.Api;

/// <summary>The one HttpClient of a run and the headers every request carries.</summary>
public static class ApiHttp
{
    public static HttpClient CreateClient(LoadOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // Only the given URL is ever contacted: no proxy from the environment, no redirect elsewhere.
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            ConnectTimeout = options.Timeout < TimeSpan.FromSeconds(10) ? options.Timeout : TimeSpan.FromSeconds(10),
        };
        // Each request has its own deadline (see ChatStreamRunner), which also covers reading the stream.
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Sets Authorization: Bearer KEY; no key, no header.</summary>
    public static void Authorize(HttpRequestMessage request, string? key)
    {
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary>A server's error text with the key replaced, since some gateways echo the key they refused.</summary>
    public static string? Redact(string? message, string? key) =>
        message is null || string.IsNullOrEmpty(key) ? message : message.Replace(key, "[key]", StringComparison.Ordinal);
}
