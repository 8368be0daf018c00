using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// A step's (token, slot) routes grouped by expert: the routed rows back to back, grouped by ascending expert id,
/// and the way back: weighted outputs added per token in ascending expert id, the order the reference uses (it
/// matters for rounding in bf16). Local and remote executors differ only in how each group's rows are computed.
/// </summary>
public sealed class RoutedExperts
{
    readonly Tensor _order;
    readonly Tensor _tokenOf;

    /// <summary>The routed rows [routes, H], group after group.</summary>
    public Tensor Rows { get; }

    /// <summary>Groups in ascending expert id: rows [Start, Start + Count) of <see cref="Rows"/> go to Expert.</summary>
    public IReadOnlyList<(int Expert, int Start, int Count)> Groups { get; }

    RoutedExperts(Tensor order, Tensor tokenOf, Tensor rows, IReadOnlyList<(int, int, int)> groups)
    {
        _order = order;
        _tokenOf = tokenOf;
        Rows = rows;
        Groups = groups;
    }

    /// <summary>hidden [T, H]; experts [T, k] int64 ids.</summary>
    public static RoutedExperts Group(Tensor hidden, Tensor experts)
    {
        long k = experts.shape[1];
        Tensor flat = experts.reshape(-1);
        Tensor order = flat.argsort(0, false);
        long[] sortedIds = flat.index_select(0, order).data<long>().ToArray();
        Tensor tokenOf = order.DividedBy(k, RoundingMode.floor);
        var groups = new List<(int, int, int)>();
        for (int start = 0; start < sortedIds.Length;)
        {
            int end = start;
            while (end < sortedIds.Length && sortedIds[end] == sortedIds[start]) end++;
            groups.Add(((int)sortedIds[start], start, end - start));
            start = end;
        }
        return new RoutedExperts(order, tokenOf, hidden.index_select(0, tokenOf), groups);
    }

    /// <summary>sum_k weights[t, k] * outputs of token t's routes, as [T, H] in the dtype of <paramref name="hidden"/>.</summary>
    public Tensor Combine(Tensor outputs, Tensor weights, Tensor hidden)
    {
        Tensor weighted = (outputs * weights.reshape(-1).index_select(0, _order).unsqueeze(1)).to(hidden.dtype);
        return zeros_like(hidden).index_add_(0, _tokenOf, weighted, Scalars.One);
    }

    /// <summary>Runs each group through <paramref name="expert"/> in this process and combines the results.</summary>
    public static Tensor Run(Tensor hidden, Tensor experts, Tensor weights, Func<int, Tensor, Tensor> expert)
    {
        RoutedExperts routes = Group(hidden, experts);
        Tensor outputs = empty_like(routes.Rows);
        foreach (var (e, start, count) in routes.Groups)
            outputs.narrow(0, start, count).copy_(expert(e, routes.Rows.narrow(0, start, count)));
        return routes.Combine(outputs, weights, hidden);
    }
}
