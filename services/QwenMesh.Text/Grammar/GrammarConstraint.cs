namespace QwenMesh.Text.Grammar;

/// <summary>How the reasoning part stands when the answer begins.</summary>
public enum ReasoningStart
{
    /// <summary>No reasoning part may come (the prompt closed one, or the template has none).</summary>
    Closed,

    /// <summary>The model may open one with its first token (Qwen3 in thinking mode).</summary>
    Optional,

    /// <summary>The prompt left one open (Qwen3.5's generation prompt).</summary>
    Open,
}

/// <summary>
/// Keeps one sequence's tokens inside a grammar: before each step it masks every token the grammar does not allow
/// next, after it takes the chosen one. A reasoning part comes first and is free (the model's own &lt;think&gt; block),
/// ended by &lt;/think&gt; or, once it has used its budget of tokens, forced to end; then the answer follows the grammar
/// (after the newlines the template puts after a reasoning part; a null grammar leaves it free), and once the grammar is complete
/// only an end-of-turn token may follow. Not thread-safe: one per sequence.
/// </summary>
public sealed class GrammarConstraint
{
    private enum Phase
    {
        Start,
        Reasoning,
        Answer,
        Done,
    }

    private readonly TokenTrie _trie;
    private readonly IReadOnlySet<int> _stops;
    private readonly int? _thinkOpen;
    private readonly int? _thinkClose;
    private readonly int? _thinkingBudget;
    private readonly bool _mayOpenReasoning;
    private bool[] _allowed = [];
    private readonly GrammarState? _afterReasoning;
    private GrammarState? _state;
    private Phase _phase;
    private int _reasoningTokens;

    /// <param name="trie">The vocabulary's index.</param>
    /// <param name="answer">The answer's grammar; null leaves the answer free (only the reasoning budget applies).</param>
    /// <param name="stopTokens">End-of-turn tokens: allowed once the grammar is complete.</param>
    /// <param name="reasoning">Whether a reasoning part is open, may be opened, or may not come.</param>
    /// <param name="thinkingBudget">Reasoning tokens before &lt;/think&gt; is forced; null for no limit.</param>
    public GrammarConstraint(TokenTrie trie, GrammarNode? answer, IReadOnlySet<int> stopTokens, ReasoningStart reasoning, int? thinkingBudget)
    {
        if (thinkingBudget < 0) throw new ArgumentOutOfRangeException(nameof(thinkingBudget), "a thinking budget is at least 0");
        _trie = trie;
        _stops = stopTokens;
        _thinkOpen = trie.Tokenizer.TokenToId("<think>");
        _thinkClose = trie.Tokenizer.TokenToId("</think>");
        _thinkingBudget = thinkingBudget;
        _mayOpenReasoning = reasoning == ReasoningStart.Optional && _thinkOpen is not null && _thinkClose is not null && thinkingBudget != 0;
        // After a reasoning part the templates write "</think>\n\n" before the answer; without one it starts at once.
        _afterReasoning = answer is null ? null : GrammarState.Start(new SequenceNode(
            new ChoiceNode(new SequenceNode(), new LiteralNode("\n"), new LiteralNode("\n\n")), answer));
        _phase = reasoning == ReasoningStart.Open && _thinkClose is not null ? Phase.Reasoning : Phase.Start;
        _state = answer is null ? null : _phase == Phase.Reasoning ? _afterReasoning : GrammarState.Start(answer);
    }

    /// <summary>True once the grammar is complete and an end-of-turn token was taken.</summary>
    public bool Finished => _phase == Phase.Done;

    /// <summary>Sets every token the grammar does not allow next to negative infinity.</summary>
    public void Mask(Span<float> logits)
    {
        if (_allowed.Length != logits.Length) _allowed = new bool[logits.Length];
        bool[] allowed = _allowed;
        switch (_phase)
        {
            case Phase.Reasoning when _reasoningTokens >= _thinkingBudget:
                Array.Clear(allowed);
                Allow(allowed, _thinkClose);
                break;
            case Phase.Reasoning:
            case Phase.Start or Phase.Answer when _state is null:
                Array.Fill(allowed, true);
                if (!(_phase == Phase.Start && _mayOpenReasoning)) Refuse(allowed, _thinkOpen);
                if (_phase == Phase.Reasoning) foreach (int stop in _stops) Refuse(allowed, stop);
                break;
            case Phase.Start:
            case Phase.Answer:
                Array.Clear(allowed);
                if (_state!.CanContinue) _trie.Allowed(_state, allowed);
                // <think> and </think> are ordinary tokens to the tokenizer, so the trie may have allowed them as text.
                Refuse(allowed, _thinkOpen);
                Refuse(allowed, _thinkClose);
                if (_phase == Phase.Start && _mayOpenReasoning) Allow(allowed, _thinkOpen);
                if (_state.IsComplete || !_state.CanContinue) foreach (int stop in _stops) Allow(allowed, stop);
                break;
            case Phase.Done:
                Array.Clear(allowed);
                foreach (int stop in _stops) Allow(allowed, stop);
                break;
        }
        Apply(allowed, logits);
    }

    // logits[i] = -inf where !allowed[i], eight at a time: runs of allowed or refused tokens are the common case.
    private static void Apply(bool[] allowed, Span<float> logits)
    {
        ReadOnlySpan<ulong> blocks = System.Runtime.InteropServices.MemoryMarshal.Cast<bool, ulong>(allowed.AsSpan(0, logits.Length));
        const ulong AllAllowed = 0x0101010101010101;
        for (int k = 0; k < blocks.Length; k++)
        {
            ulong block = blocks[k];
            if (block == AllAllowed) continue;
            Span<float> eight = logits.Slice(k * 8, 8);
            if (block == 0)
            {
                eight.Fill(float.NegativeInfinity);
                continue;
            }
            for (int j = 0; j < 8; j++)
            {
                if (!allowed[k * 8 + j]) eight[j] = float.NegativeInfinity;
            }
        }
        for (int i = blocks.Length * 8; i < logits.Length; i++)
        {
            if (!allowed[i]) logits[i] = float.NegativeInfinity;
        }
    }

    /// <summary>Takes the token the sampler chose (one the mask allowed).</summary>
    public void Accept(int token)
    {
        switch (_phase)
        {
            case Phase.Reasoning:
                if (token == _thinkClose) _phase = Phase.Answer;
                else _reasoningTokens++;
                return;
            case Phase.Start when token == _thinkOpen && _mayOpenReasoning:
                _phase = Phase.Reasoning;
                _state = _afterReasoning;
                return;
            case Phase.Start:
            case Phase.Answer:
                _phase = Phase.Answer;
                if (_stops.Contains(token))
                {
                    _phase = Phase.Done;
                    return;
                }
                if (_state is null) return;
                _state = _state.Advance(_trie.Tokenizer.TokenBytes(token))
                    ?? throw new InvalidOperationException($"token {token} is outside the grammar; the mask should have refused it");
                return;
        }
    }

    private static void Allow(bool[] allowed, int? id)
    {
        if (id is { } i && i >= 0 && i < allowed.Length) allowed[i] = true;
    }

    private static void Refuse(bool[] allowed, int? id)
    {
        if (id is { } i && i >= 0 && i < allowed.Length) allowed[i] = false;
    }
}
