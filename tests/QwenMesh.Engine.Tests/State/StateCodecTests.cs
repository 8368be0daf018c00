using QwenMesh.Engine.State;
using QwenMesh.Engine.Tests.Support;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Tests.State;

[Collection(TinyModelCollection.Name)]
public sealed class StateCodecTests(TinyModel tiny)
{
    static int[] Tokens(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.Next(512)).ToArray();
    }

    byte[] Encode(SequenceState state)
    {
        var bytes = new MemoryStream();
        tiny.Codec.WriteAsync(state, bytes).GetAwaiter().GetResult();
        return bytes.ToArray();
    }

    SequenceState Decode(StateCodec codec, byte[] blob) => codec.ReadAsync(new MemoryStream(blob)).GetAwaiter().GetResult();

    byte[] EncodedPrefill(int n)
    {
        using SequenceState state = tiny.Model.NewState();
        tiny.Model.Prefill(state, Tokens(n, 1)).Dispose();
        return Encode(state);
    }

    [Fact]
    public void A_decoded_state_continues_exactly_like_the_original()
    {
        var model = tiny.Model;
        using var scope = NewDisposeScope();
        int[] prompt = Tokens(70, 1), next = Tokens(5, 2);
        using SequenceState original = model.NewState();
        model.Prefill(original, prompt);
        byte[] blob = Encode(original);
        Tensor expected = cat(next.Select(t => model.Decode([original], [t])).ToList(), 0);

        using SequenceState restored = Decode(tiny.Codec, blob);
        Assert.Equal(70, restored.Position);
        Tensor actual = cat(next.Select(t => model.Decode([restored], [t])).ToList(), 0);
        Assert.Equal(0f, (expected - actual).abs().max().item<float>());
    }

    [Fact]
    public void The_blob_is_the_state_size_plus_a_small_header()
    {
        using SequenceState state = tiny.Model.NewState();
        tiny.Model.Prefill(state, Tokens(33, 3)).Dispose();
        byte[] blob = Encode(state);
        Assert.InRange(blob.Length - state.Bytes, 10, 4096);
    }

    [Fact]
    public void Fingerprints_tell_checkpoints_apart()
    {
        Assert.Equal(tiny.Fingerprint, ModelFingerprint.Compute(tiny.Folder));
        Assert.NotEqual(tiny.Fingerprint, ModelFingerprint.Compute(tiny.OtherFolder));
    }

    [Fact]
    public void A_state_of_another_model_is_refused()
    {
        var foreign = new StateCodec(tiny.Model.Config, tiny.Model.DType, ModelFingerprint.Compute(tiny.OtherFolder));
        var e = Assert.Throws<StateFormatException>(() => Decode(foreign, EncodedPrefill(5)));
        Assert.Contains("not to this model", e.Message);
    }

    [Fact]
    public void A_state_in_another_dtype_is_refused()
    {
        var bf16 = new StateCodec(tiny.Model.Config, ScalarType.BFloat16, tiny.Fingerprint);
        var e = Assert.Throws<StateFormatException>(() => Decode(bf16, EncodedPrefill(5)));
        Assert.Contains("computed in F32", e.Message);
    }

    [Fact]
    public void A_flipped_byte_in_the_tensors_fails_the_checksum()
    {
        byte[] blob = EncodedPrefill(20);
        blob[blob.Length - 100] ^= 0x40;
        var e = Assert.Throws<StateFormatException>(() => Decode(tiny.Codec, blob));
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void Truncation_another_format_and_another_version_are_refused()
    {
        byte[] blob = EncodedPrefill(20);
        Assert.Contains("truncated", Assert.Throws<StateFormatException>(() => Decode(tiny.Codec, blob[..(blob.Length / 2)])).Message);
        Assert.Contains("truncated", Assert.Throws<StateFormatException>(() => Decode(tiny.Codec, blob[..3])).Message);
        byte[] other = (byte[])blob.Clone();
        other[0] = (byte)'X';
        Assert.Contains("not a QwenMesh state", Assert.Throws<StateFormatException>(() => Decode(tiny.Codec, other)).Message);
        byte[] newer = (byte[])blob.Clone();
        newer[4] = 9;
        Assert.Contains("version 9", Assert.Throws<StateFormatException>(() => Decode(tiny.Codec, newer)).Message);
    }
}
