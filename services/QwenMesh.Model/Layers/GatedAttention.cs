using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using QwenMesh.Model.State;
using TorchSharp;
using QwenMesh.Model.Kernels;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// Gated full attention: q_proj carries a query and an output gate per head, q/k get a zero-centred RMSNorm
/// and partial RoPE, attention is causal GQA over the sequence's KV cache, and the output is scaled by
/// sigmoid(gate) before o_proj.
/// </summary>
public sealed class GatedAttention
{
    readonly ModelConfig _c;
    readonly Tensor _qkvProj;   // [2 Hq D + 2 Hkv D, H]: q_proj rows, then k_proj, then v_proj
    readonly Tensor _oProj;     // [H, Hq D]
    readonly ZeroCenteredRmsNorm _qNorm;
    readonly ZeroCenteredRmsNorm _kNorm;
    readonly RotaryEmbedding _rope;
    readonly Scalar _scale;
    readonly double _scaleValue;

    public GatedAttention(ModelConfig config, WeightSource w, string prefix, RotaryEmbedding rope)
    {
        _c = config;
        int h = config.HiddenSize, hq = config.NumAttentionHeads, hkv = config.NumKeyValueHeads, d = config.HeadDim;
        _qkvProj = cat([
            w.Get(prefix + "q_proj.weight", 2L * hq * d, h),
            w.Get(prefix + "k_proj.weight", (long)hkv * d, h),
            w.Get(prefix + "v_proj.weight", (long)hkv * d, h)], 0).DetachFromDisposeScope();
        _oProj = w.Get(prefix + "o_proj.weight", h, (long)hq * d).DetachFromDisposeScope();
        _qNorm = new ZeroCenteredRmsNorm(w, prefix + "q_norm.weight", d, config.RmsNormEps);
        _kNorm = new ZeroCenteredRmsNorm(w, prefix + "k_norm.weight", d, config.RmsNormEps);
        _rope = rope;
        _scaleValue = Math.Pow(d, -0.5);
        _scale = _scaleValue.ToScalar();
    }

    /// <summary>Prefill: x [N, H] of one sequence whose cache holds its earlier tokens; returns [N, H].</summary>
    public Tensor Prefill(Tensor x, KvCache cache, int startPosition)
    {
        long n = x.shape[0];
        Tensor positions = Scalars.Range(startPosition, startPosition + n);
        (Tensor q, Tensor gate, Tensor k, Tensor v) = Project(x, positions);
        cache.Append(k.transpose(0, 1), v.transpose(0, 1));
        long total = cache.Length, group = _c.NumAttentionHeads / _c.NumKeyValueHeads;
        // SDPA takes its fused (flash) CPU path only for 4-D inputs; 3-D falls back to materialising the scores.
        Tensor keys = cache.Keys.repeat_interleave(group, 0).unsqueeze(0);       // [1, Hq, total, D]
        Tensor values = cache.Values.repeat_interleave(group, 0).unsqueeze(0);
        Tensor query = q.transpose(0, 1).unsqueeze(0);                           // [1, Hq, N, D]
        Tensor? allowed = null;
        if (total != n)
        {
            // Query i sits at absolute position start + i and may see every key up to it.
            allowed = Scalars.Range(0, total).unsqueeze(0) <= Scalars.Range(total - n, total).unsqueeze(1);
        }
        Tensor attended = nn.functional.scaled_dot_product_attention(query, keys, values, allowed, 0.0, allowed is null).squeeze(0);
        return Finish(attended.transpose(0, 1).reshape(n, -1), gate);
    }

    /// <summary>Decode: one token per sequence, x [B, H]; each attends over its own cache. Returns [B, H].</summary>
    public Tensor Decode(Tensor x, IReadOnlyList<KvCache> caches, Tensor positions)
    {
        long batch = x.shape[0], hkv = _c.NumKeyValueHeads, group = _c.NumAttentionHeads / hkv, d = _c.HeadDim;
        (Tensor q, Tensor gate, Tensor k, Tensor v) = Project(x, positions);
        if (AttentionKernel.Covers(q, caches))
        {
            for (int i = 0; i < batch; i++) caches[i].Append(k[i].unsqueeze(1), v[i].unsqueeze(1));
            return Finish(AttentionKernel.Decode(q, caches, hkv, _scaleValue), gate);
        }
        var outputs = new Tensor[batch];
        var heads = new Tensor[hkv];
        for (int i = 0; i < batch; i++)
        {
            KvCache cache = caches[i];
            cache.Append(k[i].unsqueeze(1), v[i].unsqueeze(1));
            // The query heads that share a KV head are stacked as rows: [group, D] against that head's [L, D].
            Tensor query = q[i].reshape(hkv, group, d);
            for (int h = 0; h < hkv; h++)
            {
                Tensor scores = query[h].matmul(cache.KeysOfHead(h).t()) * _scale;               // [group, L]
                Tensor probs = scores.softmax(-1, ScalarType.Float32).to(x.dtype);
                heads[h] = probs.matmul(cache.ValuesOfHead(h));                                  // [group, D]
            }
            outputs[i] = cat(heads, 0).reshape(-1);                                              // [Hq * D]
        }
        return Finish(stack(outputs, 0), gate);
    }

    (Tensor Q, Tensor Gate, Tensor K, Tensor V) Project(Tensor x, Tensor positions)
    {
        long rows = x.shape[0];
        int hq = _c.NumAttentionHeads, hkv = _c.NumKeyValueHeads, d = _c.HeadDim;
        Tensor p = Linear.Forward(x, _qkvProj);
        Tensor qg = p.narrow(1, 0, 2L * hq * d).reshape(rows, hq, 2 * d);
        Tensor q = _qNorm.Forward(qg.narrow(2, 0, d));
        Tensor gate = qg.narrow(2, d, d).reshape(rows, (long)hq * d);
        Tensor k = _kNorm.Forward(p.narrow(1, 2L * hq * d, (long)hkv * d).reshape(rows, hkv, d));
        Tensor v = p.narrow(1, 2L * hq * d + (long)hkv * d, (long)hkv * d).reshape(rows, hkv, d);
        (Tensor cos, Tensor sin) = _rope.For(positions, x.dtype);
        return (_rope.Apply(q, cos, sin), gate, _rope.Apply(k, cos, sin), v);
    }

    Tensor Finish(Tensor attended, Tensor gate) => Linear.Forward(attended * gate.sigmoid(), _oProj);
}
