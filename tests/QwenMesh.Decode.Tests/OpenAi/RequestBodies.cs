using System.Text;

namespace QwenMesh.Decode.Tests.OpenAi;

/// <summary>Request bodies written with single quotes (readable inside C# attributes) and turned into UTF-8 JSON.</summary>
static class RequestBodies
{
    public const string UserHi = "[{'role':'user','content':'hi'}]";

    public static byte[] Json(string singleQuoted) => Encoding.UTF8.GetBytes(singleQuoted.Replace('\'', '"'));

    /// <summary>A valid chat body plus extra top-level fields (e.g. <c>'max_tokens':0</c>).</summary>
    public static byte[] Chat(string extraFields = "") =>
        Json("{'model':'qwen','messages':" + UserHi + (extraFields.Length > 0 ? "," + extraFields : "") + "}");

    /// <summary>A chat body with the given messages array.</summary>
    public static byte[] ChatWithMessages(string messages) => Json("{'model':'qwen','messages':" + messages + "}");

    /// <summary>A valid completions body plus extra top-level fields.</summary>
    public static byte[] Completion(string extraFields = "") =>
        Json("{'model':'qwen','prompt':'Once upon a time'" + (extraFields.Length > 0 ? "," + extraFields : "") + "}");

    /// <summary>A completions body with the given prompt value.</summary>
    public static byte[] CompletionWithPrompt(string prompt) => Json("{'model':'qwen','prompt':" + prompt + "}");
}
