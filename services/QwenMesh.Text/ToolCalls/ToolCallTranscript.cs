using System.Text;

namespace QwenMesh.Text.ToolCalls;

/// <summary>A parsed call: its name and its arguments as JSON text.</summary>
public sealed record ParsedToolCall(string Name, string Arguments);

/// <summary>The events of a whole answer put together: the content and the calls (what a non-streamed response carries).</summary>
public sealed class ToolCallTranscript
{
    private readonly StringBuilder _content = new();
    private readonly List<(string Name, StringBuilder Arguments)> _calls = [];

    public void Add(IEnumerable<ToolCallEvent> events)
    {
        foreach (ToolCallEvent e in events)
        {
            switch (e)
            {
                case ContentText text:
                    _content.Append(text.Text);
                    break;
                case CallStarted start:
                    _calls.Add((start.Name, new StringBuilder()));
                    break;
                case ArgumentsText arguments:
                    _calls[arguments.Index].Arguments.Append(arguments.Json);
                    break;
            }
        }
    }

    public string Content => _content.ToString();

    public IReadOnlyList<ParsedToolCall> Calls => _calls.Select(c => new ParsedToolCall(c.Name, c.Arguments.ToString())).ToList();

    /// <summary>Parses a whole answer at once.</summary>
    public static ToolCallTranscript Parse(IToolCallParser parser, string answer)
    {
        var transcript = new ToolCallTranscript();
        transcript.Add(parser.Feed(answer));
        transcript.Add(parser.Flush());
        return transcript;
    }
}
