using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace QwenMesh.Gateway.Admin;

/// <summary>The admin key, compared in constant time (as digests, so its length does not leak either). Null: open mode, no admin API.</summary>
public sealed class AdminCredential(string? adminKey)
{
    readonly byte[]? _digest = adminKey is { Length: > 0 } ? SHA256.HashData(Encoding.UTF8.GetBytes(adminKey)) : null;

    public bool Enabled => _digest is not null;

    public bool Accepts(HttpRequest request)
    {
        if (_digest is null) return false;
        string? header = request.Headers.Authorization;
        const string bearer = "Bearer ";
        if (header is null || !header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(_digest, SHA256.HashData(Encoding.UTF8.GetBytes(header[bearer.Length..].Trim())));
    }
}
