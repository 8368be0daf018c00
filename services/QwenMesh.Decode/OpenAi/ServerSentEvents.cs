namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The text/event-stream framing OpenAI streams use: one <c>data: &lt;json&gt;</c> line per event, a blank line after
/// each, and <c>data: [DONE]</c> to end the stream.
/// </summary>
public static class ServerSentEvents
{
    static ReadOnlySpan<byte> Prefix => "data: "u8;
    static ReadOnlySpan<byte> Separator => "\n\n"u8;

    /// <summary>One event carrying a JSON payload. The payload must be single-line JSON, as every writer here emits.</summary>
    public static byte[] Data(ReadOnlySpan<byte> json)
    {
        var frame = new byte[Prefix.Length + json.Length + Separator.Length];
        Prefix.CopyTo(frame);
        json.CopyTo(frame.AsSpan(Prefix.Length));
        Separator.CopyTo(frame.AsSpan(Prefix.Length + json.Length));
        return frame;
    }

    /// <summary>A named event (the Responses API names each: <c>event: response.output_text.delta</c>).</summary>
    public static byte[] Named(string name, ReadOnlySpan<byte> json)
    {
        byte[] data = Data(json);
        byte[] head = System.Text.Encoding.UTF8.GetBytes($"event: {name}\n");
        return [.. head, .. data];
    }

    /// <summary>The terminator event after the last chunk.</summary>
    public static byte[] Done() => "data: [DONE]\n\n"u8.ToArray();
}
