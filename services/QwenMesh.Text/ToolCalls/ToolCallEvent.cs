namespace QwenMesh.Text.ToolCalls;

/// <summary>What a tool-call parser makes of the model's answer text, in order.</summary>
public abstract record ToolCallEvent;

/// <summary>Answer text outside any tool call.</summary>
public sealed record ContentText(string Text) : ToolCallEvent;

/// <summary>Call number <paramref name="Index"/> (from 0) to <paramref name="Name"/> begins; its arguments follow.</summary>
public sealed record CallStarted(int Index, string Name) : ToolCallEvent;

/// <summary>The next piece of call <paramref name="Index"/>'s arguments, as JSON text.</summary>
public sealed record ArgumentsText(int Index, string Json) : ToolCallEvent;

/// <summary>Call <paramref name="Index"/> is complete.</summary>
public sealed record CallEnded(int Index) : ToolCallEvent;

/// <summary>
/// Reads the answer text as it streams in and says what is content and what is a tool call, as early as it can:
/// text is held back only while it may still be the start of a tag.
/// </summary>
public interface IToolCallParser
{
    IReadOnlyList<ToolCallEvent> Feed(string text);

    /// <summary>At the end of the answer: everything still held back (an unfinished call stays unfinished).</summary>
    IReadOnlyList<ToolCallEvent> Flush();
}
