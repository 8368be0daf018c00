namespace QwenMesh.Model.Tests.Reference;

/// <summary>Scalar and vector functions of the forward pass, written out in double.</summary>
public static class RefOps
{
    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    public static double Silu(double x) => x * Sigmoid(x);

    /// <summary>torch.nn.functional.softplus with beta 1 and threshold 20.</summary>
    public static double Softplus(double x) => x > 20 ? x : Math.Log(1.0 + Math.Exp(x));

    /// <summary>Zero-centred RMSNorm over x[offset..offset+n): x / sqrt(mean(x^2) + eps) * (1 + w).</summary>
    public static double[] ZeroCentredRmsNorm(double[] x, double[] w, double eps, int offset = 0, int n = -1)
    {
        if (n < 0) n = x.Length;
        if (w.Length != n) throw new ArgumentException($"norm weight of length {w.Length} for {n} values");
        double inv = 1.0 / Math.Sqrt(MeanSquare(x, offset, n) + eps);
        var y = new double[n];
        for (int i = 0; i < n; i++) y[i] = x[offset + i] * inv * (1.0 + w[i]);
        return y;
    }

    public static double MeanSquare(double[] x, int offset, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += x[offset + i] * x[offset + i];
        return sum / n;
    }

    /// <summary>x[offset..offset+n) * scale / sqrt(sum(x^2) + 1e-6), the DeltaNet l2norm (its eps is fixed, not rms_norm_eps).</summary>
    public static double[] L2Normalize(double[] x, int offset, int n, double scale)
    {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += x[offset + i] * x[offset + i];
        double inv = scale / Math.Sqrt(sum + 1e-6);
        var y = new double[n];
        for (int i = 0; i < n; i++) y[i] = x[offset + i] * inv;
        return y;
    }

    public static double[] Softmax(double[] x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    public static double[] Add(double[] a, double[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException("length mismatch");
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++) y[i] = a[i] + b[i];
        return y;
    }

    public static double Dot(double[] a, int aOffset, double[] b, int bOffset, int n)
    {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += a[aOffset + i] * b[bOffset + i];
        return sum;
    }
}
