using System.Security.Cryptography;
using System.Text;

namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// API keys: "qm-" and 32 random bytes (base64url), with an id "key_" and 16 hex digits that names the key in logs,
/// usage and the admin API. Only the key's SHA-256 is ever stored: a key has 256 bits of entropy, so a fast hash
/// is as safe as a slow one and keeps authentication one lookup.
/// </summary>
public static class ApiKeys
{
    public const string KeyPrefix = "qm-";
    public const string IdPrefix = "key_";

    public static (string Id, string Key) New() =>
        (IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32)));

    /// <summary>The stored form of a key: "sha256:" and its hex digest.</summary>
    public static string Hash(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static bool IsHash(string value) =>
        value.StartsWith("sha256:", StringComparison.Ordinal) && value.Length == 7 + 64 && value.AsSpan(7).IndexOfAnyExcept("0123456789abcdef") < 0;

    public static bool IsId(string value) =>
        value.StartsWith(IdPrefix, StringComparison.Ordinal) && value.Length is > 4 and <= 68 && value.AsSpan(4).IndexOfAnyExcept("0123456789abcdefghijklmnopqrstuvwxyz_-") < 0;

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
