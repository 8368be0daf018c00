using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QwenMesh.LoadTest.Tests.Fakes;

/// <summary>
/// An OpenAI-style server on a free 127.0.0.1 port: GET /v1/models lists one model and
/// POST /v1/chat/completions answers with whatever the test's script says for that request. Started with
/// API keys it acts as a gateway: a request without `Authorization: Bearer` one of them gets 401 with a body
/// that echoes the key it was given, as OpenAI's does (so tests can check the load program hides it).
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    public const string ModelName = "fake-qwen";

    readonly HttpListener _listener;
    readonly Func<RecordedRequest, FakeResponse> _script;
    readonly IReadOnlySet<string>? _apiKeys;
    readonly ConcurrentQueue<string?> _modelAuthorizations = new();
    readonly CancellationTokenSource _stopping = new();
    readonly ConcurrentQueue<RecordedRequest> _requests = new();
    readonly ConcurrentBag<Task> _handlers = [];
    readonly Task _acceptLoop;
    int _chatSequence;

    FakeChatServer(HttpListener listener, Uri baseUrl, Func<RecordedRequest, FakeResponse> script, IReadOnlySet<string>? apiKeys)
    {
        _listener = listener;
        _script = script;
        _apiKeys = apiKeys;
        BaseUrl = baseUrl;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseUrl { get; }

    /// <summary>Chat requests in arrival order (model listings are not recorded).</summary>
    public IReadOnlyList<RecordedRequest> ChatRequests => _requests.OrderBy(r => r.Sequence).ToArray();

    /// <summary>The Authorization header of each GET /v1/models, null where there was none.</summary>
    public IReadOnlyList<string?> ModelAuthorizations => _modelAuthorizations.ToArray();

    public static FakeChatServer Start(Func<RecordedRequest, FakeResponse> script, IEnumerable<string>? apiKeys = null)
    {
        IReadOnlySet<string>? keys = apiKeys?.ToHashSet(StringComparer.Ordinal);
        // The port is found by binding port 0 and released before HttpListener takes it, so another process
        // can win it in between; a few tries make that race harmless.
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new FakeChatServer(listener, new Uri($"http://127.0.0.1:{port}"), script, keys);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <summary>A port nobody listens on at the moment, for tests of an unreachable server.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stopping.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            _handlers.Add(Task.Run(() => HandleAsync(context)));
        }
    }

    async Task HandleAsync(HttpListenerContext context)
    {
        HttpListenerResponse response = context.Response;
        try
        {
            string path = context.Request.Url!.AbsolutePath;
            string? authorization = context.Request.Headers["Authorization"];
            if (context.Request.HttpMethod == "GET" && path == "/v1/models")
            {
                _modelAuthorizations.Enqueue(authorization);
                if (Unauthorized(authorization) is { } refusal)
                {
                    await WriteJsonAsync(response, 401, refusal);
                    return;
                }
                await WriteJsonAsync(response, 200, $"{{\"object\":\"list\",\"data\":[{{\"id\":\"{ModelName}\",\"object\":\"model\"}}]}}");
                return;
            }
            if (context.Request.HttpMethod != "POST" || path != "/v1/chat/completions")
            {
                await WriteJsonAsync(response, 404, ChatScript.ErrorBody("not found"));
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            string body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!);
            var recorded = new RecordedRequest(Interlocked.Increment(ref _chatSequence) - 1, "POST", path, headers, body);
            _requests.Enqueue(recorded);
            if (Unauthorized(authorization) is { } unauthorized)
            {
                await WriteJsonAsync(response, 401, unauthorized);
                return;
            }

            switch (_script(recorded))
            {
                case FakeResponse.Error error:
                    if (error.RetryAfter is not null) response.AddHeader("Retry-After", error.RetryAfter);
                    if (error.RetryAfterMs is not null) response.AddHeader("retry-after-ms", error.RetryAfterMs);
                    await WriteJsonAsync(response, error.Status, error.Body);
                    break;
                case FakeResponse.Stream stream:
                    await WriteStreamAsync(response, stream.Steps);
                    break;
            }
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // Shutting down while a stream was still being written.
        }
        catch (HttpListenerException)
        {
            // The client went away (a timeout test does that on purpose).
        }
        catch (IOException)
        {
            // Likewise: the connection closed under a write.
        }
        finally
        {
            try { response.Close(); } catch (Exception) { /* already torn down */ }
        }
    }

    /// <summary>Null when the request may pass; otherwise the 401 body.</summary>
    string? Unauthorized(string? authorization)
    {
        if (_apiKeys is null) return null;
        const string bearer = "Bearer ";
        string? key = authorization is not null && authorization.StartsWith(bearer, StringComparison.Ordinal) ? authorization[bearer.Length..] : null;
        if (key is not null && _apiKeys.Contains(key)) return null;
        string message = key is null ? "You didn't provide an API key." : $"Incorrect API key provided: {key}.";
        return $"{{\"error\":{{\"message\":{System.Text.Json.JsonSerializer.Serialize(message)},\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}}}";
    }

    async Task WriteStreamAsync(HttpListenerResponse response, IReadOnlyList<StreamStep> steps)
    {
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.SendChunked = true;
        Stream output = response.OutputStream;
        foreach (StreamStep step in steps)
        {
            if (step.Delay > TimeSpan.Zero) await Task.Delay(step.Delay, _stopping.Token);
            byte[] bytes = Encoding.UTF8.GetBytes(step.Raw);
            await output.WriteAsync(bytes, _stopping.Token);
            await output.FlushAsync(_stopping.Token);
        }
    }

    static async Task WriteJsonAsync(HttpListenerResponse response, int status, string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_handlers.ToArray());
        _listener.Close();
        _stopping.Dispose();
    }
}
