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

    public static void Authorize(HttpRequestMessage request, LoadOptions options)
    {
        if (options.ApiKey is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
    }
}
