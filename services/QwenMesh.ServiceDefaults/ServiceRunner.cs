using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace QwenMesh.ServiceDefaults;

/// <summary>
/// Runs a service process: a configuration error (a bad or missing setting) ends it with one line on stderr naming
/// the key and the value, and exit code 2, instead of a stack trace.
/// </summary>
public static class ServiceRunner
{
    public const int ConfigurationError = 2;

    public static async Task<int> RunAsync(string role, Func<WebApplication> build)
    {
        try
        {
            WebApplication app = build();
            await app.RunAsync();
            return Environment.ExitCode;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"{role}: {string.Join("; ", e.Failures)}");
            return ConfigurationError;
        }
    }
}
