using System.Threading.Channels;
using QwenMesh.Model.Generation;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;

namespace QwenMesh.Engine.Decode;

/// <summary>
/// One sequence inside the decode engine. Its caller reads <see cref="Tokens"/> until it completes; cancelling
/// the caller's token makes the engine drop the sequence at the next step and release its state.
/// </summary>
public sealed class DecodeSequence
{
    readonly Channel<int> _tokens = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    readonly List<int> _emitted = [];
    readonly long _submitted = System.Diagnostics.Stopwatch.GetTimestamp();
    readonly int _firstStepToken;
    long _admitted, _firstStep;

    /// <param name="heldBack">
    /// The state consumed the prompt but its last token, which the first step feeds: every generated token is then
    /// sampled here (with the sampler's constraint), none by prefill.
    /// </param>
    internal DecodeSequence(SequenceState state, IReadOnlyList<int>? prompt, Sampler sampler, int maxTokens, IReadOnlySet<int> stopTokens,
        long reservedBytes, CancellationToken cancellation, bool heldBack = false)
    {
        State = state;
        Prompt = prompt;
        _firstStepToken = heldBack ? 1 : 2;
        if (heldBack) LastToken = prompt![^1];
        Sampler = sampler;
        MaxTokens = maxTokens;
        StopTokens = stopTokens;
        ReservedBytes = reservedBytes;
        Cancellation = cancellation;
    }

    /// <summary>Generated token ids in order, the prefill's first token included.</summary>
    public ChannelReader<int> Tokens => _tokens.Reader;

    /// <summary>Why the sequence ended; set once <see cref="Tokens"/> completes normally.</summary>
    public FinishReason? Finish { get; private set; }

    /// <summary>Time from submission to joining the running batch; null while waiting.</summary>
    public TimeSpan? QueueTime => _admitted == 0 ? null : System.Diagnostics.Stopwatch.GetElapsedTime(_submitted, _admitted);

    /// <summary>Time from submission to the first token a decode step produced (after the prefill's first token); null before it.</summary>
    public TimeSpan? FirstStepTime => _firstStep == 0 ? null : System.Diagnostics.Stopwatch.GetElapsedTime(_submitted, _firstStep);

    internal void Admitted() => _admitted = System.Diagnostics.Stopwatch.GetTimestamp();

    internal SequenceState State { get; private set; }
    /// <summary>The prompt the state was prefilled from, when known: with it the state can be rebuilt after a failed step.</summary>
    internal IReadOnlyList<int>? Prompt { get; }
    internal Sampler Sampler { get; }
    internal int MaxTokens { get; }
    /// <summary>Token ids that end the sequence (they are emitted, then it finishes).</summary>
    public IReadOnlySet<int> StopTokens { get; }
    internal long ReservedBytes { get; }
    internal CancellationToken Cancellation { get; }
    /// <summary>Tokens generated so far (the prefill's first one included): what the sequence computed, read or not.</summary>
    public int Generated { get; private set; }
    internal int LastToken { get; private set; }

    readonly List<TokenLogprob> _logprobs = [];

    /// <summary>
    /// The log-probability of generated token <paramref name="index"/> (0 is the first), when the sampling asked for
    /// logprobs; set before the token is in <see cref="Tokens"/>, so a reader of token i finds it.
    /// </summary>
    public TokenLogprob? Logprob(int index)
    {
        lock (_logprobs) return index < _logprobs.Count ? _logprobs[index] : null;
    }

    /// <summary>Emits a token; returns true when the sequence is finished by it.</summary>
    internal bool Emit(int token, TokenLogprob? logprob = null)
    {
        if (logprob is not null) lock (_logprobs) _logprobs.Add(logprob);
        LastToken = token;
        Generated++;
        if (Generated == _firstStepToken) _firstStep = System.Diagnostics.Stopwatch.GetTimestamp();
        _emitted.Add(token);
        _tokens.Writer.TryWrite(token);
        if (StopTokens.Contains(token)) Finish = FinishReason.Stop;
        else if (Generated >= MaxTokens) Finish = FinishReason.Length;
        return Finish is not null;
    }

    /// <summary>The tokens the state has consumed before this step: the prompt and the emitted tokens, all but the last.</summary>
    internal IReadOnlyList<int> Consumed => [.. (Prompt ?? []).Concat(_emitted).SkipLast(1)];

    /// <summary>Swaps in a rebuilt state (the old one may be half-updated by a failed step).</summary>
    internal void Replace(SequenceState state)
    {
        State.Dispose();
        State = state;
    }

    internal void Complete(Exception? error = null)
    {
        State.Dispose();
        _tokens.Writer.TryComplete(error);
    }
}
