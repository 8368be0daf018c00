using System.Text.Encodings.Web;
using System.Text.Json;

namespace QwenMesh.Text.ToolCalls;

/// <summary>JSON written for arguments keeps non-ASCII text as it is (only quotes, backslashes and controls are escaped).</summary>
internal static class JsonText
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
