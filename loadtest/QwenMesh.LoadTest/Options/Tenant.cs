namespace QwenMesh.LoadTest.Options;

/// <summary>
/// One API key of a multi-tenant run and its share of the requests. The key is a secret: it is sent only as
/// Authorization: Bearer and never printed, so <see cref="ToString"/> leaves it out.
/// </summary>
public sealed record Tenant(string Name, string Key, double Weight)
{
    public override string ToString() => $"{Name} (weight {Weight.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
}
