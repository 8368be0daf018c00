using System.Buffers;
using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// A request that ends in an OpenAI-style error: the HTTP status, the error object's type, param and code, and for
/// overload the time after which a retry may succeed (sent as <c>Retry-After</c>).
/// </summary>
public sealed class OpenAiException(
    int status,
    string type,
    string message,
    string? param = null,
    string? code = null,
    TimeSpan? retryAfter = null) : Exception(message)
{
    public const string InvalidRequestType = "invalid_request_error";
    public const string ServerErrorType = "server_error";
    public const string RateLimitType = "rate_limit_error";
    public const string OverloadedType = "overloaded_error";

    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The <c>Retry-After</c> header value in whole seconds, rounded up so a client never retries early.</summary>
    public int? RetryAfterSeconds => RetryAfter is { } wait ? WholeSeconds(wait) : null;

    /// <summary>A 400 for a request the client must change before retrying.</summary>
    public static OpenAiException BadRequest(string message, string? param = null, string? code = null) =>
        new(400, InvalidRequestType, message, param, code);

    /// <summary>
    /// A 404. OpenAI reports missing models and routes with type invalid_request_error (clients key on the status),
    /// so that is the type used here too.
    /// </summary>
    public static OpenAiException NotFound(string message, string? param = null, string? code = null) =>
        new(404, InvalidRequestType, message, param, code);

    /// <summary>The 404 OpenAI sends for a model it does not serve, word for word.</summary>
    public static OpenAiException ModelNotFound(string model) =>
        NotFound($"The model `{model}` does not exist or you do not have access to it.", code: "model_not_found");

    /// <summary>
    /// No capacity right now: 503 (the service is saturated) or 429 (the caller is over its share); both carry
    /// <c>Retry-After</c>.
    /// </summary>
    public static OpenAiException Overloaded(TimeSpan retryAfter, int status = 503)
    {
        int seconds = WholeSeconds(retryAfter);
        return status switch
        {
            503 => new(503, OverloadedType, $"The server is overloaded; retry after {seconds} s.", retryAfter: retryAfter),
            429 => new(429, RateLimitType, $"Rate limit reached; retry after {seconds} s.", code: "rate_limit_exceeded", retryAfter: retryAfter),
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, "overload is reported as 503 or 429"),
        };
    }

    /// <summary>A 500 for a failure on our side; the message must not leak internals the client cannot act on.</summary>
    public static OpenAiException ServerError(string message) => new(500, ServerErrorType, message);

    static int WholeSeconds(TimeSpan wait) => (int)Math.Ceiling(Math.Max(0, wait.TotalSeconds));

    /// <summary>The response body, <c>{"error":{"message":..,"type":..,"param":..,"code":..}}</c>, as UTF-8 JSON.</summary>
    public byte[] ToErrorBody()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, ResponseWriter.Options))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", Message);
            json.WriteString("type", Type);
            // OpenAI always sends param and code, as null when they do not apply.
            json.WriteString("param", Param);
            json.WriteString("code", Code);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
