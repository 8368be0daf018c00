using Microsoft.Net.Http.Headers;

namespace QwenMesh.Hosting;

/// <summary>Which request bodies the OpenAI API reads: JSON, or a body that names no type (read as JSON, as OpenAI does).</summary>
public static class JsonBodies
{
    public static bool Accepts(string? contentType) =>
        string.IsNullOrEmpty(contentType)
        || (MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));
}
