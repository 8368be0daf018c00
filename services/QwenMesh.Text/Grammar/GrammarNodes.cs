using System.Text;

namespace QwenMesh.Text.Grammar;

// The grammar of what a constrained answer may say, over UTF-8 bytes. Nodes are immutable and shared; the position
// inside one lives in a Frame.

/// <summary>A piece of grammar.</summary>
public abstract class GrammarNode;

/// <summary>Exactly these bytes.</summary>
public sealed class LiteralNode(string text) : GrammarNode
{
    public byte[] Bytes { get; } = Encoding.UTF8.GetBytes(text);
}

/// <summary>Each item in turn.</summary>
public sealed class SequenceNode(params GrammarNode[] items) : GrammarNode
{
    public GrammarNode[] Items { get; } = items;
}

/// <summary>Any one of the options.</summary>
public sealed class ChoiceNode(params GrammarNode[] options) : GrammarNode
{
    public GrammarNode[] Options { get; } = options;
}

/// <summary>A JSON string (quotes included) of <see cref="MinChars"/> to <see cref="MaxChars"/> characters; escapes count as one.</summary>
public sealed class StringNode(int minChars, int maxChars) : GrammarNode
{
    public int MinChars { get; } = minChars;
    public int MaxChars { get; } = maxChars;
}

/// <summary>A JSON integer within [Min, Max], without leading zeros.</summary>
public sealed class IntegerNode(long min, long max) : GrammarNode
{
    public long Min { get; } = min;
    public long Max { get; } = max;
}

/// <summary>A JSON number with at most 15 integer digits, 10 fraction digits and a 3-digit exponent (so it always ends).</summary>
public sealed class NumberNode : GrammarNode
{
    public const int IntegerDigits = 15, FractionDigits = 10, ExponentDigits = 3;
}

/// <summary><c>open item (separator item)* close</c> with <see cref="Min"/> to <see cref="Max"/> items: arrays, and free-form objects.</summary>
public sealed class DelimitedNode(byte open, byte close, GrammarNode item, int min, int max) : GrammarNode
{
    public byte Open { get; } = open;
    public byte Close { get; } = close;
    public GrammarNode Item { get; } = item;
    public int Min { get; } = min;
    public int Max { get; } = max;
}

/// <summary>A JSON object with these properties in this order; optional ones may be left out.</summary>
public sealed class ObjectNode : GrammarNode
{
    public ObjectNode(IReadOnlyList<(string Name, GrammarNode Value, bool Required)> properties)
    {
        Properties = properties.Select(p => new Property(
            new LiteralNode(Json(p.Name) + ":"), new LiteralNode("," + Json(p.Name) + ":"), p.Value, p.Required)).ToArray();
    }

    internal sealed record Property(LiteralNode First, LiteralNode Later, GrammarNode Value, bool Required);

    internal Property[] Properties { get; }

    private static string Json(string name) => System.Text.Json.JsonSerializer.Serialize(name, ToolCalls.JsonText.Options);
}

/// <summary>Any text of at most <see cref="MaxChars"/> characters, ended by (and including) the terminator.</summary>
public sealed class TextUntilNode : GrammarNode
{
    public TextUntilNode(string terminator, int maxChars)
    {
        Terminator = Encoding.UTF8.GetBytes(terminator);
        MaxChars = maxChars;
        // KMP failure function: Fallback[k] is the longest proper border of the terminator's first k bytes, where a
        // partial match falls back to when the next byte does not continue it.
        Fallback = new int[Terminator.Length + 1];
        for (int i = 1; i < Terminator.Length; i++)
        {
            int k = Fallback[i];
            while (k > 0 && Terminator[i] != Terminator[k]) k = Fallback[k];
            if (Terminator[i] == Terminator[k]) k++;
            Fallback[i + 1] = k;
        }
    }

    public byte[] Terminator { get; }
    public int MaxChars { get; }
    internal int[] Fallback { get; }
}

/// <summary>A node built when first reached: recursive schemas ($ref), built no deeper than needed.</summary>
public sealed class LazyNode(Func<GrammarNode> build) : GrammarNode
{
    private readonly Lazy<GrammarNode> _node = new(build);

    public GrammarNode Node => _node.Value;
}
