namespace QwenMesh.Decode.Admission;

/// <summary>
/// A running request's place in <see cref="FairAdmission"/>: its tenant is charged for what it is served, and disposing
/// it (once, in a finally, however the request ended) frees the slot for the next tenant in fair order.
/// </summary>
public sealed class AdmissionSlot : IDisposable
{
    readonly FairAdmission _gate;
    readonly FairAdmission.TenantShare _share;
    readonly double _weight;
    int _released;
    int _charged;

    internal AdmissionSlot(FairAdmission gate, FairAdmission.TenantShare share, double weight)
    {
        _gate = gate;
        _share = share;
        _weight = weight;
    }

    public string Tenant => _share.Name;

    /// <summary>Charges the tenant for <paramref name="tokens"/> generated for this request, as they are produced.</summary>
    public void Served(int tokens)
    {
        if (Volatile.Read(ref _released) != 0) return;
        Interlocked.Add(ref _charged, tokens);
        _gate.Charge(_share, tokens, _weight);
    }

    /// <summary>
    /// Charges what the engine generated beyond what was charged as it came (tokens computed after the client left or a
    /// stop string ended the output), then frees the slot.
    /// </summary>
    public void Release(int generated)
    {
        int rest = generated - Volatile.Read(ref _charged);
        if (rest > 0) Served(rest);
        Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _gate.Release();
    }
}
