namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// What a tenant may be called: 1-64 of [A-Za-z0-9._-]. Tenant names go into Redis keys (inside a hash tag, so no
/// braces), metric labels and state keys, so nothing that could break any of those is accepted.
/// </summary>
public static class TenantNames
{
    public static bool IsValid(string name) =>
        name.Length is >= 1 and <= 64 && name.AsSpan().IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") < 0;
}
