namespace QwenMesh.Gateway.Tenancy;

/// <summary>
/// Every Redis key the gateway writes. A tenant's quota and usage keys share the hash tag {tenant}, so one script
/// touches one slot (Redis Cluster); tenants, keys and ids are small records, each on its own key.
/// </summary>
public static class TenancyKeys
{
    public static string Tenant(string name) => $"qwenmesh:tenancy:tenant:{name}";
    public static string ApiKey(string hash) => $"qwenmesh:tenancy:apikey:{hash}";
    public static string KeyId(string id) => $"qwenmesh:tenancy:keyid:{id}";
    public static string TenantKeys(string tenant) => $"qwenmesh:tenancy:tenant-keys:{tenant}";

    /// <summary>The prefix of a tenant's quota windows, leases and reservations.</summary>
    public static string Quota(string tenant) => $"qwenmesh:quota:{{{tenant}}}:";

    /// <summary>The prefix of a tenant's usage buckets.</summary>
    public static string Usage(string tenant) => $"qwenmesh:usage:{{{tenant}}}:";
}
