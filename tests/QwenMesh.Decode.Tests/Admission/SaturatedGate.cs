using QwenMesh.Decode.Admission;

namespace QwenMesh.Decode.Tests.Admission;

/// <summary>
/// A deterministic workload driven through a real <see cref="FairAdmission"/>: every step each running request generates
/// one token (charged as it is produced); a request that has its tokens releases its slot, and whoever the gate grants
/// it to starts at once. Tokens served are counted per tenant as VTC counts them: the prompt at admission, then each token.
/// </summary>
internal sealed class SaturatedGate(FairAdmission gate)
{
    public sealed record Request(string Tenant, double Weight, int PromptTokens, int OutputTokens);

    sealed class Running(Request request, AdmissionSlot slot)
    {
        public readonly Request Request = request;
        public readonly AdmissionSlot Slot = slot;
        public int Generated;
    }

    readonly List<(Request Request, Task<AdmissionSlot> Slot)> _pending = [];
    readonly List<Running> _running = [];

    public Dictionary<string, long> Served { get; } = new();

    /// <summary>Tenants in the order their requests were granted a slot.</summary>
    public List<string> Grants { get; } = [];

    public FairAdmission Gate => gate;

    public void Submit(Request request, CancellationToken cancellation = default)
    {
        _pending.Add((request, gate.EnterAsync(request.Tenant, request.Weight, request.PromptTokens, cancellation)));
        Start();
    }

    public bool Backlogged(string tenant) => gate.Depths().Any(d => d.Tenant == tenant && d.Waiting > 0);

    /// <summary>One decode step; false when nothing runs any more.</summary>
    public bool Step()
    {
        if (_running.Count == 0) return false;
        foreach (Running r in _running.ToList())
        {
            r.Generated++;
            r.Slot.Served(1);
            Add(r.Request.Tenant, 1);
            if (r.Generated < r.Request.OutputTokens) continue;
            _running.Remove(r);
            r.Slot.Dispose();
        }
        Start();
        return true;
    }

    /// <summary>Starts the requests the gate granted (a grant completes synchronously inside the release or the arrival).</summary>
    void Start()
    {
        foreach (var p in _pending.Where(p => p.Slot.IsCompletedSuccessfully).ToList())
        {
            _pending.Remove(p);
            _running.Add(new Running(p.Request, p.Slot.Result));
            Grants.Add(p.Request.Tenant);
            Add(p.Request.Tenant, p.Request.PromptTokens);
        }
    }

    void Add(string tenant, long tokens) => Served[tenant] = Served.GetValueOrDefault(tenant) + tokens;

    public long Of(string tenant) => Served.GetValueOrDefault(tenant);

    /// <summary>Jain's fairness index of the given shares: 1 when equal, 1/n when one takes everything.</summary>
    public static double Jain(params double[] x) => x.Sum() * x.Sum() / (x.Length * x.Sum(v => v * v));
}
