namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// What <see cref="StopSequenceMatcher.Feed"/> releases: <paramref name="Text"/> is safe to send now;
/// <paramref name="Stopped"/> says a stop string was reached, so generation ends and nothing more is sent.
/// </summary>
public readonly record struct StopFeed(string Text, bool Stopped);
