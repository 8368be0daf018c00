using System.Collections.Concurrent;
using System.Text;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Text.Grammar;

/// <summary>
/// The vocabulary indexed for token masks, built once per tokenizer and shared by every sequence: a byte trie of
/// every token, and for the positions where nearly every token fits (inside a JSON string, inside free text before
/// its terminator) the tokens that fit whole whatever the grammar's state, so that a mask there costs a prefix of a
/// list plus a walk over the few tokens that do not. Special tokens (end of turn and the like) are in none of them:
/// the constraint decides about those itself.
/// </summary>
public sealed class TokenTrie
{
    private readonly (int Id, byte[] Bytes)[] _vocabulary;
    private readonly ByteTrie _all = new();
    private readonly PlainTokens _stringText;
    private readonly ConcurrentDictionary<string, PlainTokens> _freeText = new(StringComparer.Ordinal);

    public TokenTrie(ITokenizer tokenizer)
    {
        Tokenizer = tokenizer;
        var vocabulary = new List<(int, byte[])>();
        for (int id = 0; id < tokenizer.VocabSize; id++)
        {
            if (tokenizer.IsSpecialToken(id)) continue;
            byte[] bytes = tokenizer.TokenBytes(id).ToArray();
            if (bytes.Length == 0) continue;
            vocabulary.Add((id, bytes));
            _all.Add(id, bytes);
        }
        _vocabulary = vocabulary.ToArray();
        _stringText = new PlainTokens(_vocabulary, InsideJsonString);
    }

    public ITokenizer Tokenizer { get; }

    /// <summary>Marks in <paramref name="allowed"/> every token whose bytes <paramref name="state"/> can read.</summary>
    public void Allowed(GrammarState state, bool[] allowed)
    {
        switch (state.OnlyPosition)
        {
            case { Node: StringNode s, A: 1, C: 0 } f:
                _stringText.MarkUpTo(s.MaxChars - f.B, allowed);
                _stringText.Rest.Walk(state, allowed);
                return;
            case { Node: TextUntilNode t, C: 0 } f when f.A == 0 || t.Terminator.AsSpan(f.A).Contains(t.Terminator[0]):
                // With part of the terminator matched, a token without its first byte cannot complete it (the rest
                // holds that byte): it goes on matching, or falls back to text as the budget allows. Prefixes of the
                // rest of the terminator are allowed whatever the budget.
                PlainTokens text = _freeText.GetOrAdd(Convert.ToHexString(t.Terminator), _ => FreeTextTokens(t.Terminator));
                text.MarkUpTo((long)t.MaxChars - f.B, allowed);
                text.Rest.Walk(state, allowed);
                if (f.A > 0) _all.MarkPrefixesOf(t.Terminator.AsSpan(f.A), allowed);
                return;
            default:
                _all.Walk(state, allowed);
                return;
        }
    }

    /// <summary>What <see cref="Allowed"/> must equal: every token walked byte by byte (for tests of the fast paths).</summary>
    internal void AllowedByWalkingAll(GrammarState state, bool[] allowed) => _all.Walk(state, allowed);

    // Reads the token inside a JSON string from a character boundary: it stays inside (plain), reaches a closing
    // quote (the state decides), or is refused (never).
    private static (TokenFit, int) InsideJsonString(byte[] bytes)
    {
        var inside = new StringNode(0, int.MaxValue);
        Frame? f = new(inside, 1, 0, 0, null);
        foreach (byte b in bytes)
        {
            if (!Strings.TryAdvance(inside, f, b, out f)) return (TokenFit.Never, 0);
            if (f is null) return (TokenFit.Depends, 0);
        }
        return (TokenFit.Plain, f.B);
    }

    // Reads each token as free text from a character boundary: one holding the terminator's first byte may end the
    // text (the state decides); others stay inside or are refused.
    private PlainTokens FreeTextTokens(byte[] terminator)
    {
        var inside = new TextUntilNode(Encoding.UTF8.GetString(terminator), int.MaxValue);
        return new PlainTokens(_vocabulary, bytes =>
        {
            if (Array.IndexOf(bytes, terminator[0]) >= 0) return (TokenFit.Depends, 0);
            Frame? f = new(inside, 0, 0, 0, null);
            foreach (byte b in bytes)
            {
                if (!Texts.TryAdvance(inside, f!, b, out f)) return (TokenFit.Never, 0);
            }
            return (TokenFit.Plain, f!.B);
        });
    }
}
