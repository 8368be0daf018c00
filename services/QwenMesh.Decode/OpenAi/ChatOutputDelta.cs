namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// What <see cref="ChatOutputFilter.Feed"/> releases: reasoning and content to send now (either may be empty), and
/// whether a stop string ended the output.
/// </summary>
public readonly record struct ChatOutputDelta(string Reasoning, string Content, bool Stopped);
