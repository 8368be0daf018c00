namespace QwenMesh.Model.Tests.Reference;

/// <summary>
/// A Gated DeltaNet layer, one token at a time: projections, a causal depthwise conv over an explicit window of
/// the last K raw [q|k|v] inputs, SiLU, l2-normalised q/k, the recurrent gated delta rule per value head, the gated
/// RMSNorm and out_proj. Qwen3-Next's grouped projections are split per key head on every call, never reordered.
/// </summary>
public sealed class ReferenceDeltaNet
{
    readonly ReferenceConfig _c;
    readonly int _nk, _nv, _dk, _dv, _r, _keyDim, _valueDim, _convDim, _kernel;

    // Qwen3.5 projections (null for Qwen3-Next) ...
    readonly RefMatrix? _qkv, _z, _b, _a;
    // ... or Qwen3-Next's grouped ones (null for Qwen3.5).
    readonly RefMatrix? _qkvz, _ba;

    ReferenceDeltaNet(ReferenceConfig c, ReferenceCheckpoint ckpt, string prefix)
    {
        _c = c;
        _nk = c.LinearKeyHeads;
        _nv = c.LinearValueHeads;
        _dk = c.LinearKeyDim;
        _dv = c.LinearValueDim;
        _r = _nv / _nk;
        _keyDim = _nk * _dk;
        _valueDim = _nv * _dv;
        _convDim = 2 * _keyDim + _valueDim;
        _kernel = c.ConvKernel;
        int h = c.HiddenSize;
        if (ckpt.Contains(prefix + "in_proj_qkvz.weight"))
        {
            _qkvz = ckpt.Matrix(prefix + "in_proj_qkvz.weight", 2 * _keyDim + 2 * _valueDim, h);
            _ba = ckpt.Matrix(prefix + "in_proj_ba.weight", 2 * _nv, h);
        }
        else
        {
            _qkv = ckpt.Matrix(prefix + "in_proj_qkv.weight", _convDim, h);
            _z = ckpt.Matrix(prefix + "in_proj_z.weight", _valueDim, h);
            _b = ckpt.Matrix(prefix + "in_proj_b.weight", _nv, h);
            _a = ckpt.Matrix(prefix + "in_proj_a.weight", _nv, h);
        }
        Conv = ckpt.Read(prefix + "conv1d.weight", _convDim, 1, _kernel).Data;
        DtBias = ckpt.Vector(prefix + "dt_bias", _nv);
        ALog = ckpt.Vector(prefix + "A_log", _nv);
        Norm = ckpt.Vector(prefix + "norm.weight", _dv);
        OutProj = ckpt.Matrix(prefix + "out_proj.weight", h, _valueDim);
    }

    /// <summary>[conv_dim * K]: channel c, tap j at c*K + j; tap K-1 multiplies the current token.</summary>
    public double[] Conv { get; }
    public double[] DtBias { get; }
    public double[] ALog { get; }
    /// <summary>Gated norm weight, plain (not zero-centred).</summary>
    public double[] Norm { get; }
    public RefMatrix OutProj { get; }

    public static ReferenceDeltaNet Load(ReferenceConfig c, ReferenceCheckpoint ckpt, string prefix) => new(c, ckpt, prefix);

    /// <summary>A fresh sequence: empty input history and zero recurrent state. The function consumes one (normed) token.</summary>
    public Func<double[], double[]> Start()
    {
        var history = new List<double[]>();
        var state = new double[_nv][,];
        for (int j = 0; j < _nv; j++) state[j] = new double[_dk, _dv];
        return x => Step(x, history, state);
    }

    double[] Step(double[] x, List<double[]> history, double[][,] state)
    {
        (double[] mixed, double[] z, double[] b, double[] a) = Project(x);
        history.Add(mixed);
        int t = history.Count - 1;

        // Causal depthwise conv: out[c] = sum_j w[c, j] * input[t - (K-1) + j][c], inputs before the sequence are zero.
        var conv = new double[_convDim];
        for (int c = 0; c < _convDim; c++)
        {
            double sum = 0;
            for (int j = 0; j < _kernel; j++)
            {
                int source = t - (_kernel - 1) + j;
                if (source >= 0) sum += Conv[c * _kernel + j] * history[source][c];
            }
            conv[c] = RefOps.Silu(sum);
        }

        var output = new double[_valueDim];
        for (int head = 0; head < _nv; head++)
        {
            int keyHead = head / _r;
            double[] q = RefOps.L2Normalize(conv, keyHead * _dk, _dk, 1.0 / Math.Sqrt(_dk));
            double[] k = RefOps.L2Normalize(conv, _keyDim + keyHead * _dk, _dk, 1.0);
            int vOffset = 2 * _keyDim + head * _dv;
            double beta = RefOps.Sigmoid(b[head]);
            double g = -Math.Exp(ALog[head]) * RefOps.Softplus(a[head] + DtBias[head]);
            double decay = Math.Exp(g);
            double[,] s = state[head];

            for (int i = 0; i < _dk; i++)
                for (int d = 0; d < _dv; d++) s[i, d] *= decay;
            for (int d = 0; d < _dv; d++)
            {
                double recalled = 0;
                for (int i = 0; i < _dk; i++) recalled += s[i, d] * k[i];
                double delta = (conv[vOffset + d] - recalled) * beta;
                for (int i = 0; i < _dk; i++) s[i, d] += k[i] * delta;
            }
            var o = new double[_dv];
            for (int d = 0; d < _dv; d++)
            {
                double sum = 0;
                for (int i = 0; i < _dk; i++) sum += s[i, d] * q[i];
                o[d] = sum;
            }

            // Gated RMSNorm: w * rmsnorm(o) * silu(z), eps = rms_norm_eps.
            double inv = 1.0 / Math.Sqrt(RefOps.MeanSquare(o, 0, _dv) + _c.Eps);
            for (int d = 0; d < _dv; d++)
                output[head * _dv + d] = Norm[d] * (o[d] * inv) * RefOps.Silu(z[head * _dv + d]);
        }
        return OutProj.Apply(output);
    }

    /// <summary>The raw [q|k|v] conv input (head-major blocks), z [nv*dv], b [nv], a [nv].</summary>
    (double[] Mixed, double[] Z, double[] B, double[] A) Project(double[] x)
    {
        if (_qkv is not null) return (_qkv.Apply(x), _z!.Apply(x), _b!.Apply(x), _a!.Apply(x));

        // Qwen3-Next: per key head g, qkvz rows are [q dk | k dk | v r*dv | z r*dv] and ba rows [b r | a r].
        double[] p = _qkvz!.Apply(x);
        double[] pba = _ba!.Apply(x);
        var mixed = new double[_convDim];
        var z = new double[_valueDim];
        var b = new double[_nv];
        var a = new double[_nv];
        int group = 2 * _dk + 2 * _r * _dv;
        int rv = _r * _dv;
        for (int g = 0; g < _nk; g++)
        {
            int o = g * group;
            Array.Copy(p, o, mixed, g * _dk, _dk);
            Array.Copy(p, o + _dk, mixed, _keyDim + g * _dk, _dk);
            Array.Copy(p, o + 2 * _dk, mixed, 2 * _keyDim + g * rv, rv);
            Array.Copy(p, o + 2 * _dk + rv, z, g * rv, rv);
            Array.Copy(pba, g * 2 * _r, b, g * _r, _r);
            Array.Copy(pba, g * 2 * _r + _r, a, g * _r, _r);
        }
        return (mixed, z, b, a);
    }
}
