namespace QwenMesh.Text.Grammar;

/// <summary>
/// Where an answer stands in its grammar: the positions that can read a next byte (several while alternatives are
/// open), and whether the answer may end here. Immutable; <see cref="Advance"/> gives the state after one byte, or
/// null when the grammar does not allow it.
/// </summary>
public sealed class GrammarState
{
    // Alternatives that stay open together are few in JSON schemas; the cap keeps a pathological grammar bounded.
    private const int MaxPositions = 64;

    private readonly Frame[] _positions;

    private GrammarState(Frame[] positions, bool complete)
    {
        _positions = positions;
        IsComplete = complete;
    }

    /// <summary>True when the answer may end here.</summary>
    public bool IsComplete { get; }

    /// <summary>True when some byte may still follow.</summary>
    public bool CanContinue => _positions.Length > 0;

    /// <summary>The one position that reads the next byte, when there is exactly one (the mask's fast paths need it).</summary>
    internal Frame? OnlyPosition => _positions.Length == 1 ? _positions[0] : null;

    public static GrammarState Start(GrammarNode grammar)
    {
        var ready = new List<Frame?>();
        Expand(new Frame(grammar, 0, 0, 0, null), ready, 0);
        return From(ready)!;
    }

    public GrammarState? Advance(byte b)
    {
        List<Frame?>? ready = null;
        foreach (Frame position in _positions)
        {
            if (TryAdvance(position, b, out Frame? next))
            {
                ready ??= [];
                Expand(next, ready, 0);
            }
        }
        return ready is null ? null : From(ready);
    }

    public GrammarState? Advance(ReadOnlySpan<byte> bytes)
    {
        GrammarState? state = this;
        foreach (byte b in bytes)
        {
            state = state.Advance(b);
            if (state is null) return null;
        }
        return state;
    }

    private static GrammarState? From(List<Frame?> ready)
    {
        bool complete = false;
        var positions = new List<Frame>(ready.Count);
        foreach (Frame? f in ready)
        {
            if (f is null) complete = true;
            else if (positions.Count < MaxPositions) positions.Add(f);
        }
        return positions.Count == 0 && !complete ? null : new GrammarState(positions.ToArray(), complete);
    }

    // Follows positions that read no byte (sequence steps, choices, finished items) to the ones that do.
    private static void Expand(Frame? f, List<Frame?> ready, int depth)
    {
        if (depth > 256) throw new InvalidOperationException("the grammar nests deeper than 256 levels without reading a byte");
        if (f is null)
        {
            ready.Add(null);
            return;
        }
        switch (f.Node)
        {
            case LiteralNode literal:
                if (f.A < literal.Bytes.Length) ready.Add(f);
                else Expand(f.Next, ready, depth + 1);
                break;
            case SequenceNode sequence:
                if (f.A < sequence.Items.Length)
                {
                    Expand(new Frame(sequence.Items[f.A], 0, 0, 0, f with { A = f.A + 1 }), ready, depth + 1);
                }
                else
                {
                    Expand(f.Next, ready, depth + 1);
                }
                break;
            case ChoiceNode choice:
                foreach (GrammarNode option in choice.Options) Expand(new Frame(option, 0, 0, 0, f.Next), ready, depth + 1);
                break;
            case LazyNode lazy:
                Expand(new Frame(lazy.Node, 0, 0, 0, f.Next), ready, depth + 1);
                break;
            case StringNode or TextUntilNode:
                ready.Add(f);
                break;
            case IntegerNode integer:
                if (Integers.CanRead(integer, f)) ready.Add(f);
                if (Integers.IsComplete(integer, f)) Expand(f.Next, ready, depth + 1);
                break;
            case NumberNode:
                if (Numbers.CanRead(f)) ready.Add(f);
                if (Numbers.IsComplete(f)) Expand(f.Next, ready, depth + 1);
                break;
            case DelimitedNode list:
                // A: 0 before open, 1 just opened, 2 after an item, 3 after a separator; B: items so far.
                switch (f.A)
                {
                    case 0:
                    case 2:
                        ready.Add(f);
                        break;
                    case 1:
                        if (list.Min == 0) ready.Add(f);
                        if (list.Max > 0) Expand(new Frame(list.Item, 0, 0, 0, f with { A = 2, B = 1 }), ready, depth + 1);
                        break;
                    case 3:
                        Expand(new Frame(list.Item, 0, 0, 0, f with { A = 2, B = f.B + 1 }), ready, depth + 1);
                        break;
                }
                break;
            case ObjectNode obj:
                // A: 0 before '{', 1 inside; B: the next property that may come; C: 1 once one was written.
                if (f.A == 0)
                {
                    ready.Add(f);
                    break;
                }
                bool canClose = true;
                for (int j = f.B; j < obj.Properties.Length; j++)
                {
                    ObjectNode.Property p = obj.Properties[j];
                    var after = f with { B = j + 1, C = 1 };
                    Expand(new Frame(f.C == 1 ? p.Later : p.First, 0, 0, 0, new Frame(p.Value, 0, 0, 0, after)), ready, depth + 1);
                    if (p.Required)
                    {
                        canClose = false;
                        break;
                    }
                }
                if (canClose) ready.Add(f);
                break;
            default:
                throw new InvalidOperationException($"unknown grammar node {f.Node.GetType().Name}");
        }
    }

    // Reads one byte at a position that reads bytes; `next` is where the grammar goes (not yet expanded).
    private static bool TryAdvance(Frame f, byte b, out Frame? next)
    {
        next = null;
        switch (f.Node)
        {
            case LiteralNode literal:
                if (literal.Bytes[f.A] != b) return false;
                next = f with { A = f.A + 1 };
                return true;
            case StringNode s:
                return Strings.TryAdvance(s, f, b, out next);
            case TextUntilNode text:
                return Texts.TryAdvance(text, f, b, out next);
            case IntegerNode integer:
                return Integers.TryAdvance(integer, f, b, out next);
            case NumberNode:
                return Numbers.TryAdvance(f, b, out next);
            case DelimitedNode list:
                if (f.A == 0)
                {
                    if (b != list.Open) return false;
                    next = f with { A = 1 };
                    return true;
                }
                if (b == list.Close && (f.A == 1 ? list.Min == 0 : f.B >= list.Min))
                {
                    next = f.Next;
                    return true;
                }
                if (f.A == 2 && b == (byte)',' && f.B < list.Max)
                {
                    next = f with { A = 3 };
                    return true;
                }
                return false;
            case ObjectNode:
                if (f.A == 0)
                {
                    if (b != (byte)'{') return false;
                    next = f with { A = 1 };
                    return true;
                }
                if (b != (byte)'}') return false;
                next = f.Next;
                return true;
            default:
                return false;
        }
    }
}
