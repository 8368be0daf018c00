namespace QwenMesh.Text.Reasoning;

/// <summary>
/// Splits Qwen3 output into reasoning and content, as the Qwen3 reasoning parsers of vLLM and SGLang do. A thinking
/// output reads <c>&lt;think&gt;\n…reasoning…\n&lt;/think&gt;\n\ncontent</c>; the tags, the newline after the opening
/// tag, the newline before the closing tag and up to two newlines after it are dropped, so neither part carries the
/// template's framing. Output that does not start with <c>&lt;think&gt;</c> is all content. Streaming and
/// <see cref="Split"/> agree for every way the text is cut into deltas.
/// </summary>
public sealed class ReasoningSplitter
{
    public const string OpenTag = "<think>";
    public const string CloseTag = "</think>";
    const string NewlineClose = "\n</think>";
    const int NewlinesAfterClose = 2;

    enum Phase
    {
        Undecided,  // nothing seen yet that tells whether the output opens with <think>
        Opened,     // right after <think>: one newline may still be dropped
        Reasoning,
        Closed,     // right after </think>: newlines may still be dropped
        Content,
    }

    Phase _phase;
    string _held = "";
    int _newlinesDropped;

    /// <param name="startsInReasoning">
    /// The prompt already ends with <c>&lt;think&gt;</c> (templates that open the thinking block for the model), so
    /// generation starts inside the reasoning.
    /// </param>
    public ReasoningSplitter(bool startsInReasoning)
    {
        _phase = startsInReasoning ? Phase.Opened : Phase.Undecided;
        HasReasoning = startsInReasoning;
    }

    /// <summary>True once the output is known to have a reasoning section (then reasoning_content is sent, maybe empty).</summary>
    public bool HasReasoning { get; private set; }

    /// <summary>True until the reasoning section is known to be over (or known never to have begun).</summary>
    public bool Thinking => _phase is Phase.Undecided or Phase.Opened or Phase.Reasoning;

    /// <summary>Takes the next piece of generated text; holds back what could be part of a tag or of dropped newlines.</summary>
    public ReasoningDelta Feed(string delta)
    {
        string text = _held + delta;
        _held = "";
        string reasoning = "";
        while (true)
        {
            switch (_phase)
            {
                case Phase.Undecided:
                    if (text.StartsWith(OpenTag, StringComparison.Ordinal))
                    {
                        text = text[OpenTag.Length..];
                        _phase = Phase.Opened;
                        HasReasoning = true;
                        break;
                    }
                    if (OpenTag.StartsWith(text, StringComparison.Ordinal))
                    {
                        _held = text;
                        return ReasoningDelta.Empty;
                    }
                    _phase = Phase.Content;
                    break;

                case Phase.Opened:
                    if (text.Length == 0) return ReasoningDelta.Empty;
                    if (text[0] == '\n') text = text[1..];
                    _phase = Phase.Reasoning;
                    break;

                case Phase.Reasoning:
                    int close = text.IndexOf(CloseTag, StringComparison.Ordinal);
                    if (close < 0)
                    {
                        int keep = PartialCloseLength(text);
                        _held = text[(text.Length - keep)..];
                        return new ReasoningDelta(text[..(text.Length - keep)], "");
                    }
                    reasoning = text[..(close > 0 && text[close - 1] == '\n' ? close - 1 : close)];
                    text = text[(close + CloseTag.Length)..];
                    _phase = Phase.Closed;
                    break;

                case Phase.Closed:
                    while (_newlinesDropped < NewlinesAfterClose && text.Length > 0 && text[0] == '\n')
                    {
                        text = text[1..];
                        _newlinesDropped++;
                    }
                    if (text.Length == 0 && _newlinesDropped < NewlinesAfterClose) return new ReasoningDelta(reasoning, "");
                    _phase = Phase.Content;
                    break;

                case Phase.Content:
                    return new ReasoningDelta(reasoning, text);
            }
        }
    }

    /// <summary>At the end of generation: held-back text that turned out not to be a tag, in the part it belongs to.</summary>
    public ReasoningDelta Flush()
    {
        string rest = _held;
        _held = "";
        return _phase switch
        {
            Phase.Undecided => new ReasoningDelta("", rest),
            Phase.Reasoning => new ReasoningDelta(rest, ""),
            _ => ReasoningDelta.Empty,
        };
    }

    /// <summary>Splits a whole output at once, with the same rules as streaming.</summary>
    public static ReasoningSplit Split(string text, bool startsInReasoning)
    {
        if (!startsInReasoning)
        {
            if (!text.StartsWith(OpenTag, StringComparison.Ordinal)) return new ReasoningSplit(null, text);
            text = text[OpenTag.Length..];
        }
        if (text.StartsWith('\n')) text = text[1..];

        int close = text.IndexOf(CloseTag, StringComparison.Ordinal);
        if (close < 0) return new ReasoningSplit(text, "");
        string reasoning = text[..close];
        if (reasoning.EndsWith('\n')) reasoning = reasoning[..^1];

        string content = text[(close + CloseTag.Length)..];
        for (int i = 0; i < NewlinesAfterClose && content.StartsWith('\n'); i++) content = content[1..];
        return new ReasoningSplit(reasoning, content);
    }

    // The longest end of the text that may grow into "</think>" or "\n</think>"; a trailing newline is held too,
    // because if the closing tag follows, that newline is framing and must not reach the client.
    static int PartialCloseLength(string text)
    {
        for (int length = Math.Min(text.Length, NewlineClose.Length - 1); length > 0; length--)
        {
            var suffix = text.AsSpan(text.Length - length);
            if (NewlineClose.AsSpan().StartsWith(suffix, StringComparison.Ordinal) || CloseTag.AsSpan().StartsWith(suffix, StringComparison.Ordinal))
            {
                return length;
            }
        }
        return 0;
    }
}
