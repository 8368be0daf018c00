using System.Text;

namespace QwenMesh.Text.ToolCalls;

/// <summary>
/// What both Qwen tool-call formats share: the answer's text buffered until the format's state machine can decide
/// what it is, the events of one feed collected, calls numbered as they start, and the whitespace between calls
/// dropped. A format supplies <see cref="Step"/> (one move over <see cref="Buffer"/>) and <see cref="FlushRest"/>.
/// </summary>
public abstract class TaggedToolCallParser : IToolCallParser
{
    protected const string CallOpen = "<tool_call>";
    protected const string CallClose = "</tool_call>";

    private readonly StringBuilder _buffer = new();
    private List<ToolCallEvent> _events = [];
    private int _index = -1;

    public IReadOnlyList<ToolCallEvent> Feed(string text)
    {
        _buffer.Append(text);
        _events = [];
        Run(final: false);
        return _events;
    }

    public IReadOnlyList<ToolCallEvent> Flush()
    {
        _events = [];
        Run(final: true);
        string rest = _buffer.ToString();
        _buffer.Clear();
        FlushRest(rest);
        return _events;
    }

    /// <summary>The text not yet consumed.</summary>
    protected string Buffer => _buffer.ToString();

    /// <summary>One move of the state machine over <see cref="Buffer"/>; false when it needs more text.</summary>
    protected abstract bool Step(bool final);

    /// <summary>At the end of the answer: what the unconsumed text is, given where the state machine stopped.</summary>
    protected abstract void FlushRest(string rest);

    // Every step consumes text or changes state; the bound turns a bug into an error instead of a hung request.
    private void Run(bool final)
    {
        for (int steps = 0; Step(final); steps++)
        {
            if (steps > 4 * _buffer.Length + 64) throw new InvalidOperationException("the tool-call parser stopped making progress");
        }
    }

    /// <summary>
    /// After a call, whitespace is not content: it waits until text follows (then it is), or a call or the end does
    /// (then it is dropped). True when the buffer was handled here.
    /// </summary>
    protected bool SpaceBetweenCalls(string buffer, int open, bool final)
    {
        if (_index < 0) return false;
        string before = open >= 0 ? buffer[..open] : buffer[..(buffer.Length - (final ? 0 : PartialTag.HeldBack(buffer, CallOpen)))];
        if (before.Length == 0 || before.Trim().Length > 0) return false;
        if (open >= 0 || final) Take(before.Length);
        return true;
    }

    /// <summary>Consumes the first <paramref name="count"/> characters, handing them to <paramref name="to"/>.</summary>
    protected void Take(int count, Action<string>? to = null)
    {
        if (count <= 0) return;
        string taken = _buffer.ToString(0, count);
        _buffer.Remove(0, count);
        to?.Invoke(taken);
    }

    protected void StartCall(string name)
    {
        _index++;
        _events.Add(new CallStarted(_index, name));
    }

    protected void EndOfCall() => _events.Add(new CallEnded(_index));

    protected void Content(string text)
    {
        if (text.Length > 0) _events.Add(new ContentText(text));
    }

    /// <summary>A fragment of the current call's arguments JSON.</summary>
    protected void Arguments(string json)
    {
        if (json.Length > 0) _events.Add(new ArgumentsText(_index, json));
    }
}
