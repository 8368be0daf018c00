namespace QwenMesh.Model.Tests.Reference;

/// <summary>
/// A gated full-attention layer, one token at a time: q (with its per-head gate interleaved in q_proj), k, v;
/// zero-centred q/k norms; partial NeoX RoPE at the token's position; an explicit softmax over every key so far
/// (GQA); output gated by sigmoid(gate), then o_proj.
/// </summary>
public sealed class ReferenceAttention
{
    readonly ReferenceConfig _c;
    readonly int _heads, _kvHeads, _d, _rotary;
    readonly double[] _invFreq;

    ReferenceAttention(ReferenceConfig c, ReferenceCheckpoint ckpt, string prefix)
    {
        _c = c;
        _heads = c.Heads;
        _kvHeads = c.KvHeads;
        _d = c.HeadDim;
        int h = c.HiddenSize;
        QProj = ckpt.Matrix(prefix + "q_proj.weight", 2 * _heads * _d, h);
        KProj = ckpt.Matrix(prefix + "k_proj.weight", _kvHeads * _d, h);
        VProj = ckpt.Matrix(prefix + "v_proj.weight", _kvHeads * _d, h);
        OProj = ckpt.Matrix(prefix + "o_proj.weight", h, _heads * _d);
        QNorm = ckpt.Vector(prefix + "q_norm.weight", _d);
        KNorm = ckpt.Vector(prefix + "k_norm.weight", _d);
        _rotary = (int)(_d * c.PartialRotaryFactor);
        _invFreq = Enumerable.Range(0, _rotary / 2).Select(i => Math.Pow(c.RopeTheta, -2.0 * i / _rotary)).ToArray();
    }

    public RefMatrix QProj { get; }
    public RefMatrix KProj { get; }
    public RefMatrix VProj { get; }
    public RefMatrix OProj { get; }
    public double[] QNorm { get; }
    public double[] KNorm { get; }

    public static ReferenceAttention Load(ReferenceConfig c, ReferenceCheckpoint ckpt, string prefix) => new(c, ckpt, prefix);

    /// <summary>A fresh sequence: no keys yet. The function consumes one (normed) token at the next position.</summary>
    public Func<double[], double[]> Start()
    {
        var keys = new List<double[][]>();
        var values = new List<double[][]>();
        return x => Step(x, keys, values);
    }

    double[] Step(double[] x, List<double[][]> keys, List<double[][]> values)
    {
        int position = keys.Count;
        double[] qg = QProj.Apply(x);
        double[] kAll = KProj.Apply(x);
        double[] vAll = VProj.Apply(x);

        var k = new double[_kvHeads][];
        var v = new double[_kvHeads][];
        for (int j = 0; j < _kvHeads; j++)
        {
            k[j] = Rope(RefOps.ZeroCentredRmsNorm(kAll, KNorm, _c.Eps, j * _d, _d), position);
            v[j] = vAll.Skip(j * _d).Take(_d).ToArray();
        }
        keys.Add(k);
        values.Add(v);

        var attended = new double[_heads * _d];
        int group = _heads / _kvHeads;
        double scale = 1.0 / Math.Sqrt(_d);
        for (int head = 0; head < _heads; head++)
        {
            double[] q = Rope(RefOps.ZeroCentredRmsNorm(qg, QNorm, _c.Eps, head * 2 * _d, _d), position);
            int kvHead = head / group;
            var scores = new double[position + 1];
            for (int s = 0; s <= position; s++) scores[s] = RefOps.Dot(q, 0, keys[s][kvHead], 0, _d) * scale;
            double[] p = RefOps.Softmax(scores);
            for (int d = 0; d < _d; d++)
            {
                double sum = 0;
                for (int s = 0; s <= position; s++) sum += p[s] * values[s][kvHead][d];
                double gate = qg[head * 2 * _d + _d + d];
                attended[head * _d + d] = sum * RefOps.Sigmoid(gate);
            }
        }
        return OProj.Apply(attended);
    }

    /// <summary>NeoX rotation of the first rotary dims: pairs (i, i + rotary/2) turn by position * inv_freq[i].</summary>
    double[] Rope(double[] x, int position)
    {
        var y = (double[])x.Clone();
        int half = _rotary / 2;
        for (int i = 0; i < half; i++)
        {
            double angle = position * _invFreq[i];
            double cos = Math.Cos(angle), sin = Math.Sin(angle);
            y[i] = x[i] * cos - x[i + half] * sin;
            y[i + half] = x[i + half] * cos + x[i] * sin;
        }
        return y;
    }
}
