using System.Security.Cryptography;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// Response ids in OpenAI's form: a prefix and 29 random alphanumerics. They come from the system's cryptographic
/// generator so ids from many decode pods never collide and reveal nothing about request order.
/// </summary>
public static class CompletionIds
{
    public const string ChatPrefix = "chatcmpl-";
    public const string TextPrefix = "cmpl-";
    public const string ToolCallPrefix = "call_";
    public const int RandomLength = 29;
    const int ToolCallRandomLength = 24;

    const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>An id for a chat completion, e.g. <c>chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT</c>.</summary>
    public static string NewChatId() => ChatPrefix + RandomNumberGenerator.GetString(Alphabet, RandomLength);

    /// <summary>An id for a text completion, e.g. <c>cmpl-...</c>.</summary>
    public static string NewTextId() => TextPrefix + RandomNumberGenerator.GetString(Alphabet, RandomLength);

    /// <summary>An id for a Responses API object of <paramref name="prefix"/> (resp, msg, fc, rs), e.g. <c>resp_...</c>.</summary>
    public static string NewResponsesId(string prefix) => prefix + "_" + RandomNumberGenerator.GetString(Alphabet, RandomLength);

    /// <summary>An id for a tool call, e.g. <c>call_Wn8dX2kLq0RtYb7sVh3mJcPa</c>; the client sends it back with the result.</summary>
    public static string NewToolCallId() => ToolCallPrefix + RandomNumberGenerator.GetString(Alphabet, ToolCallRandomLength);
}
