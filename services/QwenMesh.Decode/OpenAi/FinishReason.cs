namespace QwenMesh.Decode.OpenAi;

/// <summary>Why a choice ended: a stop token or stop string, the max_tokens limit, or an answer that called tools.</summary>
public enum FinishReason
{
    Stop,
    Length,
    ToolCalls,
}

/// <summary>The finish_reason strings of the wire format.</summary>
public static class FinishReasonNames
{
    public static string ToWire(this FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.ToolCalls => "tool_calls",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
