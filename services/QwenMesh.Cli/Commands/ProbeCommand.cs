namespace QwenMesh.Cli.Commands;

/// <summary>
/// `probe [--url URL] [--timeout-s S]`: exit 0 when the URL answers 2xx, 1 otherwise: the container image's
/// HEALTHCHECK, which has no curl. The default is this container's own <c>/health</c>, on the port its role was given
/// (<c>QwenMesh__HttpPort</c>, as the service reads it).
/// </summary>
public static class ProbeCommand
{
    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        string? url = o.String("url");
        double timeout = o.Double("timeout-s") ?? 5;
        o.EnsureAllUsed();
        if (timeout <= 0) throw new CliUsageException("--timeout-s must be positive");
        string port = Environment.GetEnvironmentVariable("QwenMesh__HttpPort") is { Length: > 0 } p ? p : "8080";
        url ??= $"http://127.0.0.1:{port}{ServiceDefaults.Probes.Health}";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliUsageException($"--url must be an http(s) URL, not '{url}'");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(timeout) };
        try
        {
            using var response = http.GetAsync(uri).GetAwaiter().GetResult();
            if (response.IsSuccessStatusCode)
            {
                stdout.WriteLine($"{uri}: {(int)response.StatusCode}");
                return 0;
            }
            stderr.WriteLine($"qwenmesh: {uri} answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"qwenmesh: {uri} did not answer: {e.Message}");
        }
        return CliApp.ExitError;
    }
}
