using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Prompts;

namespace QwenMesh.LoadTest.Run;

/// <summary>Decides, from the options alone, what each request of a phase asks: so two runs with one seed send the same load.</summary>
public sealed class WorkloadPlan(LoadOptions options)
{
    readonly PromptGenerator _prompts = new(options.Seed);

    /// <summary>
    /// Long prompts are spread evenly rather than drawn at random: request i is long when the running count
    /// floor((i + 1) * F) steps up, so every prefix of the phase holds the asked fraction, within one request.
    /// </summary>
    public bool IsLong(int index) =>
        options.MixedLoad && Math.Floor((index + 1) * options.LongFraction) > Math.Floor(index * options.LongFraction);

    public (string Text, bool IsLong) FirstTurn(int phase, int index)
    {
        bool isLong = IsLong(index);
        int words = isLong ? options.LongPromptWords : options.PromptWords;
        return (_prompts.Prompt(words, PromptGenerator.FirstTurnStream, Key(phase), (ulong)index), isLong);
    }

    /// <summary>A follow-up turn: a quarter of the prompt length (at least 8 words), so conversations grow mostly by replies.</summary>
    public string FollowUp(int phase, int index) =>
        _prompts.Prompt(Math.Max(8, options.PromptWords / 4), PromptGenerator.FollowUpStream, Key(phase), (ulong)index);

    // Warm-up is phase -1; the cast keeps it distinct from every measured phase.
    static ulong Key(int phase) => unchecked((ulong)phase);
}
