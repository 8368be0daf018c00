using static TorchSharp.torch;

namespace QwenMesh.Model.Tests.Support;

/// <summary>Comparisons of logit tensors with a readable failure.</summary>
public static class Logits
{
    public static float[][] Rows(Tensor logits) =>
        Enumerable.Range(0, (int)logits.shape[0]).Select(i => logits[i].data<float>().ToArray()).ToArray();

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        return (a - b).abs().max().item<float>();
    }

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        double diff = MaxAbsDiff(expected, actual);
        Assert.True(diff <= tolerance, $"max |diff| {diff:E3} exceeds {tolerance:E1}");
        Assert.True(expected.abs().max().item<float>() > 1e-3, "expected logits are all ~0: the comparison would be vacuous");
    }
}
