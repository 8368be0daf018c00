namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// Tenants and their API keys: in Redis when the mesh has one (every gateway replica sees the same, and a revoked key
/// is refused by every replica within a second), otherwise in this process, kept in the tenants file.
/// </summary>
public interface ITenantStore
{
    Task<Tenant?> GetTenantAsync(string name, CancellationToken cancellation);

    /// <summary>Creates or replaces a tenant (its keys stay).</summary>
    Task<Tenant> PutTenantAsync(Tenant tenant, CancellationToken cancellation);

    /// <summary>Deletes a tenant and revokes its keys; false when there was none.</summary>
    Task<bool> DeleteTenantAsync(string name, CancellationToken cancellation);

    /// <summary>The tenant a presented key belongs to; null for an unknown, revoked or expired key.</summary>
    Task<KeyMatch?> AuthenticateAsync(string presentedKey, CancellationToken cancellation);

    /// <summary>A new key for <paramref name="tenant"/>; null when the tenant does not exist.</summary>
    Task<IssuedKey?> CreateKeyAsync(string tenant, string name, CancellationToken cancellation);

    /// <summary>A new key replacing key <paramref name="id"/>, which keeps working for <paramref name="grace"/>; null for an unknown key.</summary>
    Task<IssuedKey?> RotateKeyAsync(string id, TimeSpan grace, CancellationToken cancellation);

    /// <summary>Revokes key <paramref name="id"/> at once; false for an unknown key.</summary>
    Task<bool> RevokeKeyAsync(string id, CancellationToken cancellation);
}
