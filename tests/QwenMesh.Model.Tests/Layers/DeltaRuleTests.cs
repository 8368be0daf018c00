using QwenMesh.Model.Layers;
using static TorchSharp.torch;

namespace QwenMesh.Model.Tests.Layers;

public sealed class DeltaRuleTests
{
    const int Heads = 3, Dk = 8, Dv = 5;

    static (Tensor Q, Tensor K, Tensor V, Tensor G, Tensor Beta, Tensor State) Inputs(int length, ulong seed)
    {
        using var gen = new Generator(seed);
        Tensor q = DeltaRule.L2Norm(randn([Heads, length, Dk], generator: gen));
        Tensor k = DeltaRule.L2Norm(randn([Heads, length, Dk], generator: gen));
        Tensor v = randn([Heads, length, Dv], generator: gen);
        Tensor g = -rand([Heads, length], generator: gen).Times(0.3);     // log-decay in (-0.3, 0]
        Tensor beta = rand([Heads, length], generator: gen);
        Tensor state = randn([Heads, Dk, Dv], generator: gen);
        return (q, k, v, g, beta, state);
    }

    /// <summary>Runs the recurrent form token by token (batch of one sequence).</summary>
    static (Tensor Output, Tensor State) Recurrent(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Tensor initial)
    {
        Tensor state = initial.clone().unsqueeze(0);
        var outputs = new List<Tensor>();
        for (int t = 0; t < q.shape[1]; t++)
        {
            outputs.Add(DeltaRule.Step(q[.., t].unsqueeze(0), k[.., t].unsqueeze(0), v[.., t].unsqueeze(0),
                g[.., t].unsqueeze(0), beta[.., t].unsqueeze(0), state).squeeze(0));
        }
        return (stack(outputs, 1), state.squeeze(0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(130)]
    public void Chunked_rule_matches_recurrent_rule_from_an_initial_state(int length)
    {
        using var scope = NewDisposeScope();
        var (q, k, v, g, beta, initial) = Inputs(length, (ulong)length);
        (Tensor chunkedOut, Tensor chunkedState) = DeltaRule.Chunked(q, k, v, g, beta, initial);
        (Tensor recurrentOut, Tensor recurrentState) = Recurrent(q, k, v, g, beta, initial);

        Assert.Equal(new long[] { Heads, length, Dv }, chunkedOut.shape);
        Assert.True(allclose(chunkedOut, recurrentOut, rtol: 1e-4, atol: 1e-4), $"outputs differ by {(chunkedOut - recurrentOut).abs().max().item<float>()}");
        Assert.True(allclose(chunkedState, recurrentState, rtol: 1e-4, atol: 1e-4), $"states differ by {(chunkedState - recurrentState).abs().max().item<float>()}");
    }

    [Fact]
    public void The_initial_state_changes_the_output()
    {
        using var scope = NewDisposeScope();
        var (q, k, v, g, beta, initial) = Inputs(70, 3);
        (Tensor fromState, _) = DeltaRule.Chunked(q, k, v, g, beta, initial);
        (Tensor fromZero, _) = DeltaRule.Chunked(q, k, v, g, beta, zeros_like(initial));
        Assert.True((fromState - fromZero).abs().max().item<float>() > 1e-2);
    }

    [Fact]
    public void Splitting_a_run_in_two_chunked_calls_equals_one_call()
    {
        using var scope = NewDisposeScope();
        var (q, k, v, g, beta, initial) = Inputs(130, 11);
        (Tensor whole, Tensor wholeState) = DeltaRule.Chunked(q, k, v, g, beta, initial);
        (Tensor first, Tensor mid) = DeltaRule.Chunked(q[.., ..50], k[.., ..50], v[.., ..50], g[.., ..50], beta[.., ..50], initial);
        (Tensor second, Tensor end) = DeltaRule.Chunked(q[.., 50..], k[.., 50..], v[.., 50..], g[.., 50..], beta[.., 50..], mid);
        Assert.True(allclose(cat([first, second], 1), whole, rtol: 1e-4, atol: 1e-4));
        Assert.True(allclose(end, wholeState, rtol: 1e-4, atol: 1e-4));
    }
}
