namespace QwenMesh.Engine.Decode;

/// <summary>What the decode loop reports as it runs (the service turns it into metrics).</summary>
public interface IDecodeObserver
{
    /// <summary>One engine step produced <paramref name="tokens"/> tokens (one per running sequence).</summary>
    void Stepped(int tokens);
}
