namespace QwenMesh.Engine.Experts;

/// <summary>
/// Tokens routed to each expert of each layer since start: the input for replicating hot experts (a better
/// placement puts replicas where the load is).
/// </summary>
public sealed class ExpertLoad(int layers, int experts)
{
    readonly long[,] _tokens = new long[layers, experts];

    public int Layers => layers;
    public int Experts => experts;

    public void Record(int layer, IEnumerable<(int Expert, int Count)> routes)
    {
        foreach (var (expert, count) in routes) Interlocked.Add(ref _tokens[layer, expert], count);
    }

    public long Tokens(int layer, int expert) => Interlocked.Read(ref _tokens[layer, expert]);

    /// <summary>Tokens per expert summed over layers.</summary>
    public long[] PerExpert() => Enumerable.Range(0, _tokens.GetLength(1))
        .Select(e => Enumerable.Range(0, _tokens.GetLength(0)).Sum(l => Tokens(l, e))).ToArray();
}
