namespace QwenMesh.LoadTest.Api;

/// <summary>One message of a chat conversation as the API takes it.</summary>
public sealed record ChatMessage(string Role, string Content)
{
    public static ChatMessage User(string content) => new("user", content);

    public static ChatMessage Assistant(string content) => new("assistant", content);
}
