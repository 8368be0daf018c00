namespace QwenMesh.Decode.OpenAi;

/// <summary>Why a choice ended: a stop token or stop string, or the max_tokens limit.</summary>
public enum FinishReason
{
    Stop,
    Length,
}

/// <summary>The finish_reason strings of the wire format.</summary>
public static class FinishReasonNames
{
    public static string ToWire(this FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
