using TorchSharp;
using static TorchSharp.torch;

namespace QwenMesh.Model.Layers;

/// <summary>
/// The gated delta rule in float32. q and k arrive L2-normalised and already expanded to the value heads;
/// q is scaled by dk^-0.5 here. Both forms continue from a given state and agree up to rounding.
/// </summary>
public static class DeltaRule
{
    public const int ChunkSize = 64;

    /// <summary>
    /// Chunked (WY) form for a run of tokens of one sequence.
    /// q, k: [h, L, dk]; v: [h, L, dv]; g (log-decay, &lt;= 0), beta: [h, L]; state: [h, dk, dv].
    /// Returns outputs [h, L, dv] and the state after the last token.
    /// </summary>
    public static (Tensor Output, Tensor State) Chunked(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Tensor state)
    {
        long h = q.shape[0], length = q.shape[1], dk = q.shape[2], dv = v.shape[2];
        const int C = ChunkSize;
        long pad = (C - length % C) % C;
        long chunks = (length + pad) / C;
        // Padded steps have g = 0 (no decay) and beta = 0 (no write), so they leave the state untouched.
        Tensor Chunk(Tensor x) => nn.functional.pad(x, [0, 0, 0, pad]).reshape(h, chunks, C, x.shape[2]);
        q = Chunk(q).Times(Math.Pow(dk, -0.5));
        k = Chunk(k);
        v = Chunk(v);
        beta = nn.functional.pad(beta, [0, pad]).reshape(h, chunks, C, 1);
        Tensor G = nn.functional.pad(g, [0, pad]).reshape(h, chunks, C).cumsum(-1);

        // decay[i, j] = exp(G_i - G_j) for j <= i, else 0.
        Tensor diff = G.unsqueeze(-1) - G.unsqueeze(-2);
        Tensor upper = ones(C, C, dtype: ScalarType.Bool).triu(1);
        Tensor decay = diff.masked_fill(upper, Scalars.NegativeInfinity).exp();

        Tensor kBeta = k * beta;
        // (I + strictly_lower(kBeta k^T o decay)) is unit lower triangular: solve instead of inverting.
        Tensor system = (kBeta.matmul(k.transpose(-1, -2)) * decay).masked_fill(upper, Scalars.Zero);
        Tensor u = linalg.solve_triangular(system, v * beta, upper: false, left: true, unitriangular: true);
        Tensor w = linalg.solve_triangular(system, kBeta * G.exp().unsqueeze(-1), upper: false, left: true, unitriangular: true);
        Tensor intra = q.matmul(k.transpose(-1, -2)) * decay;   // lower triangle incl. diagonal, rest is 0
        Tensor qDecayed = q * G.exp().unsqueeze(-1);
        Tensor gLast = G.narrow(-1, C - 1, 1);                     // [h, chunks, 1]
        Tensor kDecayed = k * (gLast - G).exp().unsqueeze(-1);
        Tensor chunkDecay = gLast.exp().unsqueeze(-1);             // [h, chunks, 1, 1]

        Tensor s = state.to(ScalarType.Float32);
        var outputs = new Tensor[chunks];
        for (long c = 0; c < chunks; c++)
        {
            Tensor vNew = u.select(1, c) - w.select(1, c).matmul(s);
            outputs[c] = qDecayed.select(1, c).matmul(s) + intra.select(1, c).matmul(vNew);
            s = s * chunkDecay.select(1, c) + kDecayed.select(1, c).transpose(-1, -2).matmul(vNew);
        }
        Tensor output = stack(outputs, 1).reshape(h, chunks * C, dv).narrow(1, 0, length);
        return (output, s);
    }

    /// <summary>
    /// One step of the recurrent form for a batch of sequences, updating <paramref name="state"/> in place.
    /// q, k: [B, h, dk]; v: [B, h, dv]; g, beta: [B, h]; state: [B, h, dk, dv]. Returns outputs [B, h, dv].
    /// </summary>
    public static Tensor Step(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Tensor state)
    {
        // With S the state before decay and a = exp(g):
        //   k^T S_t = a k^T S,   o = S_t^T q = a q^T S + (k . q) delta,
        // so one read of S serves both products and S is rewritten once (decay, then the rank-1 update in place).
        long dk = q.shape[^1];
        q = q.DividedBy(Math.Sqrt(dk));
        Tensor decay = g.exp().unsqueeze(-1);                                              // [B, h, 1]
        Tensor read = stack([k, q], -2).matmul(state) * decay.unsqueeze(-1);               // [B, h, 2, dv]
        Tensor delta = (v - read.select(-2, 0)) * beta.unsqueeze(-1);                      // [B, h, dv]
        Tensor output = read.select(-2, 1) + (k * q).sum([-1], keepdim: true) * delta;
        state.mul_(decay.unsqueeze(-1)).addcmul_(k.unsqueeze(-1), delta.unsqueeze(-2), Scalars.One);
        return output;
    }

    /// <summary>x * rsqrt(sum(x^2) + 1e-6) over the last dimension (the reference's fixed epsilon).</summary>
    public static Tensor L2Norm(Tensor x) => x * x.pow(Scalars.Two).sum([-1], keepdim: true).add(L2Epsilon).rsqrt();

    static readonly Scalar L2Epsilon = 1e-6.ToScalar();
}
