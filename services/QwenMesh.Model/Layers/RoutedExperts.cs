using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// Groups a step's (token, slot) routes by expert, runs each expert once over its contiguous block of rows, and
/// adds the weighted outputs back per token in ascending expert id, the order the reference uses (it matters
/// for rounding in bf16).
/// </summary>
public static class RoutedExperts
{
    public static Tensor Run(Tensor hidden, Tensor experts, Tensor weights, Func<int, Tensor, Tensor> expert)
    {
        long k = experts.shape[1];
        Tensor flat = experts.reshape(-1);
        Tensor order = flat.argsort(0, false);                                    // routes grouped by expert
        long[] sortedIds = flat.index_select(0, order).data<long>().ToArray();
        Tensor tokenOf = order.div(k, rounding_mode: RoundingMode.floor);
        Tensor rows = hidden.index_select(0, tokenOf);                            // [routes, H], grouped
        Tensor outputs = empty_like(rows);
        for (int start = 0; start < sortedIds.Length;)
        {
            int end = start;
            while (end < sortedIds.Length && sortedIds[end] == sortedIds[start]) end++;
            outputs.narrow(0, start, end - start).copy_(expert((int)sortedIds[start], rows.narrow(0, start, end - start)));
            start = end;
        }
        Tensor weighted = (outputs * weights.reshape(-1).index_select(0, order).unsqueeze(1)).to(hidden.dtype);
        return zeros_like(hidden).index_add_(0, tokenOf, weighted, 1);
    }
}
