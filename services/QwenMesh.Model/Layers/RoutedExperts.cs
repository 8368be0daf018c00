using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// Groups a step's (token, slot) routes by expert and accumulates weighted expert outputs in ascending
/// expert id, the order the reference uses (it matters for rounding in bf16).
/// </summary>
public static class RoutedExperts
{
    public static Tensor Run(Tensor hidden, Tensor experts, Tensor weights, Func<int, Tensor, Tensor> expert)
    {
        long k = experts.shape[1];
        Tensor flat = experts.reshape(-1);
        Tensor order = flat.argsort(0, false);                       // routes grouped by expert
        long[] sortedIds = flat.index_select(0, order).data<long>().ToArray();
        Tensor tokenOf = order.div(k, rounding_mode: RoundingMode.floor);
        Tensor flatWeights = weights.reshape(-1);
        Tensor result = zeros_like(hidden);
        int start = 0;
        while (start < sortedIds.Length)
        {
            int end = start;
            while (end < sortedIds.Length && sortedIds[end] == sortedIds[start]) end++;
            Tensor routes = order.narrow(0, start, end - start);
            Tensor tokens = tokenOf.narrow(0, start, end - start);
            Tensor output = expert((int)sortedIds[start], hidden.index_select(0, tokens));
            Tensor weighted = output * flatWeights.index_select(0, routes).unsqueeze(1);
            result.index_add_(0, tokens, weighted.to(hidden.dtype), 1);
            start = end;
        }
        return result;
    }
}
