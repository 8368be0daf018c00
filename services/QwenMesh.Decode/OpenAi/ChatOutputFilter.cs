using QwenMesh.Text.Reasoning;
namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// Turns a chat completion's streamed text into what the client is sent. Stop strings apply to the generated text as
/// a whole, before it is split into reasoning and content: a stop string met while the model is thinking ends the
/// output there too. That is what vLLM does (to it the think tags are ordinary text) and it keeps the rule one rule:
/// the stop check sees exactly the tokens the model produced.
/// </summary>
public sealed class ChatOutputFilter(IReadOnlyList<string> stops, bool startsInReasoning)
{
    readonly StopSequenceMatcher _stops = new(stops);
    readonly ReasoningSplitter _splitter = new(startsInReasoning);

    /// <summary>True once a stop string was reached: the caller ends generation with finish_reason "stop".</summary>
    public bool Stopped => _stops.Stopped;

    /// <summary>True once the output is known to have a reasoning section, so reasoning_content belongs in the response.</summary>
    public bool HasReasoning => _splitter.HasReasoning;

    /// <summary>True while the output may still be in its reasoning section (the next token counts as reasoning if the output has one).</summary>
    public bool Thinking => _splitter.Thinking;

    /// <summary>Takes the next piece of generated text and returns the reasoning and content that can be sent now.</summary>
    public ChatOutputDelta Feed(string delta)
    {
        var kept = _stops.Feed(delta);
        var split = _splitter.Feed(kept.Text);
        if (!kept.Stopped) return new ChatOutputDelta(split.Reasoning, split.Content, false);

        // Nothing follows a stop string, so whatever the splitter still holds is final now.
        var rest = _splitter.Flush();
        return new ChatOutputDelta(split.Reasoning + rest.Reasoning, split.Content + rest.Content, true);
    }

    /// <summary>At the end of generation (stop token or length): everything still held back.</summary>
    public ChatOutputDelta Flush()
    {
        var split = _splitter.Feed(_stops.Flush());
        var rest = _splitter.Flush();
        return new ChatOutputDelta(split.Reasoning + rest.Reasoning, split.Content + rest.Content, _stops.Stopped);
    }
}
