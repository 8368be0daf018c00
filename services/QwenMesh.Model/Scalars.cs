using TorchSharp;
using static TorchSharp.torch;

namespace QwenMesh.Model;

/// <summary>
/// TorchSharp Scalars that outlive the native calls reading them. A Scalar made on the fly (an implicit conversion,
/// or TorchSharp's own number operators) can be finalized by the GC on another thread while libtorch still reads it,
/// which fails a decode step at random under load ("Unknown scalar type"). Analyzer QM0001 refuses such temporaries;
/// the constants here live for the process, and the helpers keep theirs alive until the op has returned.
/// </summary>
public static class Scalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar Two = 2.ToScalar();
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    public static Tensor Times(this Tensor x, double value)
    {
        using Scalar s = value.ToScalar();
        return x.mul(s);
    }

    public static Tensor Plus(this Tensor x, double value)
    {
        using Scalar s = value.ToScalar();
        return x.add(s);
    }

    public static Tensor DividedBy(this Tensor x, double value, RoundingMode rounding = RoundingMode.None)
    {
        using Scalar s = value.ToScalar();
        return x.div(s, rounding);
    }

    /// <summary>Integer division for integer tensors (a double divisor would make the result floating point).</summary>
    public static Tensor DividedBy(this Tensor x, long value, RoundingMode rounding = RoundingMode.None)
    {
        using Scalar s = value.ToScalar();
        return x.div(s, rounding);
    }

    /// <summary>[from, to) in steps of <paramref name="step"/>, as int64.</summary>
    public static Tensor Range(long from, long to, long step = 1)
    {
        using Scalar a = from.ToScalar(), b = to.ToScalar(), c = step.ToScalar();
        return arange(a, b, c, dtype: ScalarType.Int64);
    }
}
