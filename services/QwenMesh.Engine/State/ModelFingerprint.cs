using System.Security.Cryptography;

namespace QwenMesh.Engine.State;

/// <summary>
/// Identifies a model folder's exact weights cheaply: a hash of config.json, every safetensors header and the
/// first 64 KiB of every shard's data. Two checkpoints with the same shapes but different weights differ here,
/// so a sequence state is never resumed on a model it was not computed by.
/// </summary>
public static class ModelFingerprint
{
    const int SampledBytes = 64 * 1024;

    public static string Compute(string folder)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(File.ReadAllBytes(Path.Combine(folder, "config.json")));
        var shards = Directory.GetFiles(folder, "*.safetensors").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal);
        var buffer = new byte[SampledBytes];
        Span<byte> length = stackalloc byte[8];
        foreach (string shard in shards)
        {
            using FileStream file = File.OpenRead(shard);
            file.ReadExactly(length);
            long header = BitConverter.ToInt64(length);
            long sample = Math.Min(file.Length, 8 + header + SampledBytes);
            file.Position = 0;
            for (long done = 0; done < sample;)
            {
                int read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, sample - done));
                if (read <= 0) break;
                sha.AppendData(buffer, 0, read);
                done += read;
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset().AsSpan(0, 16));
    }
}
