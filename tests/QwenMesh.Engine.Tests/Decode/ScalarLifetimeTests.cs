using QwenMesh.Engine.Tests.Support;
using QwenMesh.Model;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Tests.Decode;

/// <summary>
/// The cause of the random decode-step failures: a Scalar made on the fly for a native op was finalized by a GC on
/// another thread while libtorch read it. The same ops as before the fix (number operators, addcmul_ with a
/// constant), written with <see cref="Scalars"/>, under back-to-back full GCs: with temporaries this loop failed
/// 4 times in 502,211 ops ("Unknown scalar type ... Scalar.h:339", the error seen under load); now it never may.
/// </summary>
public sealed class ScalarLifetimeTests
{
    [Fact]
    public void Scalars_outlive_the_native_ops_that_read_them_under_gc_pressure()
    {
        using var pressure = new GcPressure();
        using Tensor x = ones(64);
        using Tensor y = ones(64);
        var until = DateTime.UtcNow.AddSeconds(10);
        long ops = 0;
        var failures = new List<string>();
        while (DateTime.UtcNow < until)
        {
            try
            {
                using var scope = NewDisposeScope();
                Tensor r = x.Times(1.5).DividedBy(3.0);
                x.addcmul_(y, y, Scalars.Zero);
                float v = r[0].item<float>();
                if (Math.Abs(v - 0.5f) > 1e-6f) failures.Add($"wrong value {v}");
                ops++;
            }
            catch (Exception e)
            {
                failures.Add(e.Message.Split('\n')[0]);
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} failures in {ops} ops; first: {failures.FirstOrDefault()}");
        Assert.True(pressure.Collections > 100, $"only {pressure.Collections} collections ran");
    }
}
