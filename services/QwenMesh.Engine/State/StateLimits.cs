using QwenMesh.Model.Config;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Engine.State;

/// <summary>
/// The mesh's own bounds on states: how long each kind of key lives, and the largest encoded state it accepts (a
/// sequence at the longest context, with its token list). A caller's wish changes neither.
/// </summary>
public sealed record StateLimits(TimeSpan HandoffTtl, TimeSpan SessionTtl, long MaxBytes)
{
    /// <summary>Room for the codec's header and checksum on top of the tensors and tokens.</summary>
    const long FramingBytes = 1 << 20;

    public static StateLimits For(ModelConfig config, ScalarType dtype, int maxContextTokens, TimeSpan handoffTtl, TimeSpan sessionTtl)
    {
        long constant;
        using (SequenceState empty = SequenceState.Create(config, dtype)) constant = empty.Bytes;
        long max = constant + (long)maxContextTokens * (SequenceState.KvBytesPerToken(config, dtype) + sizeof(int)) + FramingBytes;
        return new StateLimits(handoffTtl, sessionTtl, max);
    }
}
