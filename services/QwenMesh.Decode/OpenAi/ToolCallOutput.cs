using QwenMesh.Text.ToolCalls;

namespace QwenMesh.Decode.OpenAi;

/// <summary>One piece of an answer's tool calls on the wire: a call's start (id and name), or a fragment of its arguments.</summary>
public readonly record struct ToolCallDelta(int Index, string? Id, string? Name, string Arguments);

/// <summary>
/// The answer text (content after reasoning) through the model's tool-call parser, as OpenAI reports it: content,
/// and calls with ids. Without <c>parallel_tool_calls</c> only the first call is kept.
/// </summary>
public sealed class ToolCallOutput(IToolCallParser parser, bool parallel)
{
    readonly List<string> _ids = [];

    /// <summary>Whether the answer made a call (finish_reason is then "tool_calls").</summary>
    public bool Called => _ids.Count > 0;

    public (string Content, IReadOnlyList<ToolCallDelta> Calls) Feed(string content) => Map(parser.Feed(content));

    public (string Content, IReadOnlyList<ToolCallDelta> Calls) Flush() => Map(parser.Flush());

    (string, IReadOnlyList<ToolCallDelta>) Map(IReadOnlyList<ToolCallEvent> events)
    {
        var content = new System.Text.StringBuilder();
        var calls = new List<ToolCallDelta>();
        foreach (ToolCallEvent e in events)
        {
            switch (e)
            {
                case ContentText text:
                    content.Append(text.Text);
                    break;
                case CallStarted start when parallel || start.Index == 0:
                    _ids.Add(CompletionIds.NewToolCallId());
                    calls.Add(new ToolCallDelta(start.Index, _ids[start.Index], start.Name, ""));
                    break;
                case ArgumentsText arguments when parallel || arguments.Index == 0:
                    calls.Add(new ToolCallDelta(arguments.Index, null, null, arguments.Json));
                    break;
            }
        }
        return (content.ToString(), calls);
    }
}
