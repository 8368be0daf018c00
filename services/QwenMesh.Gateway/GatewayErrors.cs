using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace QwenMesh.Gateway;

/// <summary>The gateway's error responses, in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
public static class GatewayErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";

    // Apostrophes and the like as they are (OpenAI's bodies do not escape them); the body is JSON, never HTML.
    static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Body(string message, string type, string? code, string? param = null) =>
        JsonSerializer.Serialize(new { error = new { message, type, param, code } }, Json);

    public static Task WriteAsync(HttpContext context, int status, string type, string message, string? code, string? param = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Body(message, type, code, param));
    }

    /// <summary>401 for a missing, unknown, revoked or expired key (and for the admin API without the admin key).</summary>
    public static Task InvalidApiKeyAsync(HttpContext context, string message) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, InvalidRequest, message, "invalid_api_key");
}
