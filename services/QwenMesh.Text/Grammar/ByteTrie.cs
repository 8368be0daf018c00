namespace QwenMesh.Text.Grammar;

/// <summary>
/// Tokens as a prefix tree of their UTF-8 bytes: a grammar walks it to find every token it allows, and a byte it
/// refuses prunes every token below it. Immutable once built.
/// </summary>
internal sealed class ByteTrie
{
    private readonly List<byte> _label = [0];
    private readonly List<int> _firstChild = [-1];
    private readonly List<int> _nextSibling = [-1];
    private readonly List<int> _firstToken = [-1];
    private readonly List<int> _tokenIds = [];
    private readonly List<int> _nextToken = [];

    public void Add(int id, ReadOnlySpan<byte> bytes)
    {
        int node = 0;
        foreach (byte b in bytes) node = Child(node, b);
        _tokenIds.Add(id);
        _nextToken.Add(_firstToken[node]);
        _firstToken[node] = _tokenIds.Count - 1;
    }

    /// <summary>Marks every token whose bytes <paramref name="state"/> can read.</summary>
    public void Walk(GrammarState state, bool[] allowed)
    {
        var stack = new Stack<(int Node, GrammarState State)>();
        stack.Push((0, state));
        while (stack.Count > 0)
        {
            (int node, GrammarState at) = stack.Pop();
            for (int child = _firstChild[node]; child >= 0; child = _nextSibling[child])
            {
                GrammarState? next = at.Advance(_label[child]);
                if (next is null) continue;
                for (int t = _firstToken[child]; t >= 0; t = _nextToken[t])
                {
                    int id = _tokenIds[t];
                    if (id < allowed.Length) allowed[id] = true;
                }
                if (_firstChild[child] >= 0 && next.CanContinue) stack.Push((child, next));
            }
        }
    }

    /// <summary>Marks every token whose bytes are a prefix of <paramref name="bytes"/>.</summary>
    public void MarkPrefixesOf(ReadOnlySpan<byte> bytes, bool[] allowed)
    {
        int node = 0;
        foreach (byte b in bytes)
        {
            node = Find(node, b);
            if (node < 0) return;
            for (int t = _firstToken[node]; t >= 0; t = _nextToken[t])
            {
                if (_tokenIds[t] < allowed.Length) allowed[_tokenIds[t]] = true;
            }
        }
    }

    private int Find(int node, byte b)
    {
        for (int child = _firstChild[node]; child >= 0; child = _nextSibling[child])
        {
            if (_label[child] == b) return child;
        }
        return -1;
    }

    private int Child(int node, byte b)
    {
        int found = Find(node, b);
        if (found >= 0) return found;
        _label.Add(b);
        _firstChild.Add(-1);
        _nextSibling.Add(_firstChild[node]);
        _firstToken.Add(-1);
        _firstChild[node] = _label.Count - 1;
        return _label.Count - 1;
    }
}
