using System.Text;

namespace QwenMesh.Decode.Tests.OpenAi;

/// <summary>Expected bodies are written with single quotes for readability; responses are compared as exact text.</summary>
static class ResponseText
{
    public static string Expected(string singleQuoted) => singleQuoted.Replace('\'', '"');

    public static string Of(byte[] utf8) => Encoding.UTF8.GetString(utf8);
}
