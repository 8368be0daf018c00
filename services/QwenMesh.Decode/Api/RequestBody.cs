using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Api;

/// <summary>Reads a JSON request body with a size limit (a prompt of the longest context fits many times over).</summary>
public static class RequestBody
{
    public const int MaxBytes = 16 << 20;

    public static async Task<byte[]> ReadAsync(HttpContext http)
    {
        // A body that says it is something else is refused; one that names no type is read as JSON, as OpenAI does.
        if (!Hosting.JsonBodies.Accepts(http.Request.ContentType))
            throw new OpenAiException(415, OpenAiException.InvalidRequestType, $"the request body must be application/json, not '{http.Request.ContentType}'");
        if (http.Request.ContentLength > MaxBytes) throw OpenAiException.BadRequest($"the request body exceeds {MaxBytes >> 20} MiB");
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes) throw OpenAiException.BadRequest($"the request body exceeds {MaxBytes >> 20} MiB");
        }
        return buffer.ToArray();
    }
}
