using QwenMesh.Model;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Bench;

/// <summary>The benchmark's measurements on one loaded model. Token ids come from a fixed seed.</summary>
public sealed class BenchRunner(QwenModel model, TextWriter log)
{
    readonly Random _random = new(1234);

    int[] RandomTokens(int n) => Enumerable.Range(0, n).Select(_ => _random.Next(model.Config.VocabSize)).ToArray();

    /// <summary>First calls pay for kernel selection, page faults and allocator growth: run both paths once, unmeasured.</summary>
    public void WarmUp()
    {
        using SequenceState state = model.NewState();
        model.Prefill(state, RandomTokens(512)).Dispose();
        for (int i = 0; i < 4; i++) model.Decode([state], RandomTokens(1)).Dispose();
    }

    /// <summary>Tokens per second of one prefill of <paramref name="length"/> tokens from an empty state.</summary>
    public double PrefillTokensPerSecond(int length, int runs)
    {
        int[] tokens = RandomTokens(length);
        double ms = Timing.MedianMs(0, runs, () =>
        {
            using SequenceState state = model.NewState();
            model.Prefill(state, tokens).Dispose();
        });
        log.WriteLine($"  prefill {length,6} tokens: {ms,9:F1} ms  ({length * 1000 / ms:F0} tok/s)");
        return length * 1000 / ms;
    }

    /// <summary>Generated tokens per second for a batch of <paramref name="batch"/> sequences decoding together.</summary>
    public double DecodeTokensPerSecond(int batch, int runs)
    {
        var states = new List<SequenceState>();
        try
        {
            for (int i = 0; i < batch; i++)
            {
                SequenceState s = model.NewState();
                states.Add(s);
                model.Prefill(s, RandomTokens(16)).Dispose();
            }
            int[] next = RandomTokens(batch);
            double ms = Timing.MedianMs(2, runs, () => model.Decode(states, next).Dispose());
            log.WriteLine($"  decode batch {batch,3}: {ms,9:F1} ms/step  ({batch * 1000 / ms:F1} tok/s)");
            return batch * 1000 / ms;
        }
        finally
        {
            foreach (SequenceState s in states) s.Dispose();
        }
    }

    /// <summary>
    /// Milliseconds per generated token for <paramref name="batch"/> sequences that each already hold
    /// <paramref name="context"/> tokens (step time / batch).
    /// </summary>
    public double DecodeMsAtContext(int context, int runs, int batch = 1)
    {
        using var random = new Generator(42);
        var states = Enumerable.Range(0, batch).Select(_ => SyntheticState.Create(model, context, random)).ToList();
        try
        {
            int[] next = RandomTokens(batch);
            double ms = Timing.MedianMs(2, runs, () => model.Decode(states, next).Dispose()) / batch;
            log.WriteLine($"  decode at context {context,6}, batch {batch,2}: {ms,9:F2} ms/token  (state {states.Sum(s => s.Bytes) / (1 << 20)} MiB)");
            return ms;
        }
        finally
        {
            foreach (SequenceState s in states) s.Dispose();
        }
    }
}
