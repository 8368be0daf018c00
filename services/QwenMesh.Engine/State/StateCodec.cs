using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;
using QwenMesh.Model;
using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Config;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Engine.State;

/// <summary>
/// The wire and storage format of a sequence state:
/// <c>"QMST" | u16 version | u32 header length | header JSON | layer tensors, raw little-endian, in layout order | u64 XxHash64</c>.
/// The header carries the model fingerprint, dtype, token count and layer layout. Writing and reading go layer by
/// layer through a stream, so a state (180 MiB of DeltaNet state plus growing K/V for the real model) is never
/// built as one buffer; the checksum covers every byte before it.
/// </summary>
public sealed class StateCodec(ModelConfig config, ScalarType dtype, string fingerprint)
{
    public const ushort FormatVersion = 1;
    static ReadOnlySpan<byte> Magic => "QMST"u8;

    public static StateCodec For(QwenModel model, string fingerprint) => new(model.Config, model.DType, fingerprint);

    const int BounceBuffer = 1 << 20;

    /// <param name="state">The state to write.</param>
    /// <param name="output">Where to write it.</param>
    /// <param name="tokens">The token ids the state has consumed, kept so a later turn can tell whether it extends them.</param>
    /// <param name="cancellation">Stops the write.</param>
    public async Task WriteAsync(SequenceState state, Stream output, IReadOnlyList<int>? tokens = null, CancellationToken cancellation = default)
    {
        if (tokens is not null && tokens.Count != state.Position)
            throw new ArgumentException($"{tokens.Count} tokens given for a state at position {state.Position}");
        var hashing = new HashingStream(output);
        var header = new StateHeader(fingerprint, DTypes.FromScalarType(dtype), state.Position,
            Enumerable.Range(0, state.LayerCount).Select(i => state.LayerLayout(i).Select(t => new StateTensor(t.Name, t.Shape)).ToList()).ToList(),
            tokens?.ToArray());
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        var prefix = new byte[10];
        Magic.CopyTo(prefix);
        BinaryPrimitives.WriteUInt16LittleEndian(prefix.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix.AsSpan(6), (uint)json.Length);
        await hashing.WriteAsync(prefix, cancellation);
        await hashing.WriteAsync(json, cancellation);
        var buffer = new byte[BounceBuffer];
        foreach ((_, Tensor value) in state.Export()) await TensorMemory.WriteToAsync(value, hashing, buffer, cancellation);
        var checksum = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, hashing.Hash.GetCurrentHashAsUInt64());
        await output.WriteAsync(checksum, cancellation);
    }

    /// <summary>Reads a state written by <see cref="Write"/> for this same model; anything else is a <see cref="StateFormatException"/>.</summary>
    public async Task<SequenceState> ReadAsync(Stream input, CancellationToken cancellation = default) =>
        (await ReadAsync(input, _ => true, cancellation)).State!;

    /// <summary>
    /// Reads a state if <paramref name="accept"/> agrees after seeing the tokens it was saved with (null when saved
    /// without them); a refused state is not read past its header.
    /// </summary>
    public async Task<(SequenceState? State, int[]? Tokens)> ReadAsync(Stream input, Func<int[]?, bool> accept, CancellationToken cancellation = default)
    {
        var hashing = new HashingStream(input);
        StateHeader header = await ReadHeaderAsync(hashing, cancellation);
        if (header.Tokens is not null && header.Tokens.Length != header.Position)
            throw new StateFormatException("state header token list does not match its position");
        if (!accept(header.Tokens)) return (null, header.Tokens);
        SequenceState state = SequenceState.CreateAt(config, dtype, header.Position);
        try
        {
            var buffer = new byte[BounceBuffer];
            for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            {
                var expected = state.LayerLayout(layer);
                var given = header.Layers[layer];
                if (given.Count != expected.Count || !given.Zip(expected).All(p => p.First.Name == p.Second.Name && p.First.Shape.SequenceEqual(p.Second.Shape)))
                    throw new StateFormatException($"state layer {layer} layout does not match this model");
                var tensors = new Dictionary<string, Tensor>();
                try
                {
                    foreach ((string name, long[] shape) in expected)
                    {
                        Tensor t = empty(shape, name.EndsWith(".recurrent", StringComparison.Ordinal) ? ScalarType.Float32 : dtype);
                        tensors[name] = t;
                        await TensorMemory.ReadFromAsync(hashing, t, buffer, cancellation);
                    }
                    state.RestoreLayer(layer, tensors);
                }
                finally
                {
                    foreach (Tensor t in tensors.Values) t.Dispose();
                }
            }
            ulong computed = hashing.Hash.GetCurrentHashAsUInt64();
            var checksum = new byte[8];
            await input.ReadExactlyAsync(checksum, cancellation);
            if (BinaryPrimitives.ReadUInt64LittleEndian(checksum) != computed) throw new StateFormatException("state checksum mismatch: the blob is corrupted");
            return (state, header.Tokens);
        }
        catch (EndOfStreamException)
        {
            state.Dispose();
            throw new StateFormatException("state blob is truncated");
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    async Task<StateHeader> ReadHeaderAsync(Stream input, CancellationToken cancellation)
    {
        var prefix = new byte[10];
        try
        {
            await input.ReadExactlyAsync(prefix, cancellation);
        }
        catch (EndOfStreamException)
        {
            throw new StateFormatException("state blob is truncated");
        }
        if (!prefix.AsSpan(0, 4).SequenceEqual(Magic)) throw new StateFormatException("not a QwenMesh state blob");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(4));
        if (version != FormatVersion) throw new StateFormatException($"state format version {version} is not supported (this build reads {FormatVersion})");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(6));
        if (length > 16 << 20) throw new StateFormatException("state header is implausibly large");
        var json = new byte[length];
        try
        {
            await input.ReadExactlyAsync(json, cancellation);
        }
        catch (EndOfStreamException)
        {
            throw new StateFormatException("state blob is truncated");
        }
        StateHeader header;
        try
        {
            header = JsonSerializer.Deserialize<StateHeader>(json) ?? throw new StateFormatException("state header is empty");
        }
        catch (JsonException e)
        {
            throw new StateFormatException($"state header is malformed ({e.Message})");
        }
        if (header.Fingerprint != fingerprint)
            throw new StateFormatException($"state belongs to model {header.Fingerprint}, not to this model ({fingerprint})");
        if (header.DType != DTypes.FromScalarType(dtype))
            throw new StateFormatException($"state was computed in {header.DType}, this model runs in {DTypes.FromScalarType(dtype)}");
        if (header.Layers is null || header.Layers.Count != config.NumHiddenLayers || header.Position < 0)
            throw new StateFormatException("state layer count or position does not match this model");
        return header;
    }

    sealed record StateHeader(string Fingerprint, string DType, int Position, List<List<StateTensor>> Layers, int[]? Tokens);

    sealed record StateTensor(string Name, long[] Shape);
}
