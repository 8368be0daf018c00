using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Decode;

namespace QwenMesh.Decode.Admission;

/// <summary>
/// Decode's admission by the Virtual Token Counter (Sheng et al., OSDI'24, "Fairness in Serving Large Language Models"):
/// at most <see cref="Slots"/> requests run (prefill through their last token); the rest wait in per-tenant queues, and
/// when a slot frees the backlogged tenant with the smallest counter goes next. A counter grows by the tokens served to
/// its tenant divided by the tenant's weight: the prompt when a request is admitted, each generated token as it is
/// produced (<see cref="AdmissionSlot.Served"/>). A tenant that becomes backlogged is lifted to the smallest counter of
/// those backlogged (or, with none, to the counter of the last one that left the queue), so idle time is not banked as
/// credit for a burst later. Unsaturated, nobody waits and the order is the arrival order.
/// </summary>
public sealed class FairAdmission
{
    readonly object _lock = new();
    readonly Dictionary<string, TenantShare> _tenants = new(StringComparer.Ordinal);
    int _running;
    int _waiting;
    long _arrivals;
    double _lastLeft;

    public FairAdmission(DecodeOptions options) : this(options.AdmissionSlots ?? options.MaxBatch, options.MaxQueued)
    {
    }

    /// <param name="slots">Requests run at once.</param>
    /// <param name="maxWaiting">Requests that may wait before new ones are refused (503, back-pressure as the engine's queue).</param>
    public FairAdmission(int slots, int maxWaiting)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaiting);
        Slots = slots;
        MaxWaiting = maxWaiting;
    }

    public int Slots { get; }
    public int MaxWaiting { get; }

    public int Running
    {
        get { lock (_lock) return _running; }
    }

    public int Waiting
    {
        get { lock (_lock) return _waiting; }
    }

    /// <summary>Waiting requests per tenant seen so far (zero for those with none), for the queue-depth gauge.</summary>
    public IReadOnlyList<(string Tenant, int Waiting)> Depths()
    {
        lock (_lock) return _tenants.Values.Select(t => (t.Name, t.Queue.Count)).ToList();
    }

    /// <summary>A tenant's virtual token counter: tokens served to it, divided by its weight.</summary>
    public double Counter(string tenant)
    {
        lock (_lock) return _tenants.TryGetValue(tenant, out TenantShare? t) ? t.Counter : 0;
    }

    /// <summary>
    /// Waits for a slot for a request of <paramref name="tenant"/> with <paramref name="promptTokens"/> to prefill. The slot
    /// must be disposed when the request ends, however it ends. A cancelled wait leaves the queue at once and takes no slot.
    /// Throws a 503 <see cref="OpenAiException"/> when <see cref="MaxWaiting"/> requests wait already.
    /// </summary>
    public Task<AdmissionSlot> EnterAsync(string tenant, double weight, int promptTokens, CancellationToken cancellation)
    {
        var waiter = new Waiter(this, promptTokens, weight > 0 && double.IsFinite(weight) ? weight : 1, cancellation);
        // Registered before the waiter can be queued or granted, so that a grant never races the registration.
        if (cancellation.CanBeCanceled) waiter.Registration = cancellation.Register(static w => ((Waiter)w!).Gate.Cancel((Waiter)w!), waiter);
        List<Waiter> granted;
        bool full = false;
        lock (_lock)
        {
            if (cancellation.IsCancellationRequested || (full = _running >= Slots && _waiting >= MaxWaiting))
            {
                granted = [];
            }
            else
            {
                if (!_tenants.TryGetValue(tenant, out TenantShare? share)) _tenants[tenant] = share = new TenantShare(tenant);
                if (share.Queue.Count == 0) Lift(share);
                waiter.Share = share;
                waiter.Arrival = _arrivals++;
                waiter.Node = share.Queue.AddLast(waiter);
                _waiting++;
                granted = Dispatch();
            }
        }
        if (waiter.Share is null)
        {
            // Never queued: outside the lock, since disposing waits for a callback that may be waiting for the lock.
            waiter.Registration.Dispose();
            cancellation.ThrowIfCancellationRequested();
            if (full) throw OpenAiException.Overloaded(TimeSpan.FromSeconds(1));
        }
        Grant(granted);
        return waiter.Slot.Task;
    }

    /// <summary>VTC's rule for a tenant that becomes backlogged: no lower than the backlogged minimum (or the last to leave).</summary>
    void Lift(TenantShare share)
    {
        double floor = _lastLeft;
        bool any = false;
        foreach (TenantShare t in _tenants.Values)
        {
            if (t.Queue.Count == 0) continue;
            floor = any ? Math.Min(floor, t.Counter) : t.Counter;
            any = true;
        }
        share.Counter = Math.Max(share.Counter, floor);
    }

    /// <summary>Fills free slots, smallest counter first (ties: the earliest arrival); the grants are completed outside the lock.</summary>
    List<Waiter> Dispatch()
    {
        var granted = new List<Waiter>();
        while (_running < Slots && _waiting > 0)
        {
            TenantShare? next = null;
            foreach (TenantShare t in _tenants.Values)
            {
                if (t.Queue.Count == 0) continue;
                if (next is null || t.Counter < next.Counter || (t.Counter == next.Counter && t.Queue.First!.Value.Arrival < next.Queue.First!.Value.Arrival))
                    next = t;
            }
            Waiter w = next!.Queue.First!.Value;
            Remove(w);
            _running++;
            next.Counter += w.PromptTokens / w.Weight;
            if (next.Queue.Count == 0) _lastLeft = next.Counter;
            granted.Add(w);
        }
        return granted;
    }

    void Remove(Waiter w)
    {
        w.Share!.Queue.Remove(w.Node!);
        w.Node = null;
        _waiting--;
    }

    void Grant(List<Waiter> granted)
    {
        foreach (Waiter w in granted)
        {
            w.Registration.Dispose();
            w.Slot.TrySetResult(new AdmissionSlot(this, w.Share!, w.Weight));
        }
    }

    void Cancel(Waiter w)
    {
        lock (_lock)
        {
            if (w.Node is null) return;   // already granted: the caller owns a slot and releases it
            Remove(w);
        }
        w.Slot.TrySetCanceled(w.Cancellation);
    }

    internal void Charge(TenantShare share, int tokens, double weight)
    {
        lock (_lock) share.Counter += tokens / weight;
    }

    internal void Release()
    {
        List<Waiter> granted;
        lock (_lock)
        {
            _running--;
            granted = Dispatch();
        }
        Grant(granted);
    }

    internal sealed class TenantShare(string name)
    {
        public readonly string Name = name;
        public readonly LinkedList<Waiter> Queue = new();
        public double Counter;
    }

    internal sealed class Waiter(FairAdmission gate, int promptTokens, double weight, CancellationToken cancellation)
    {
        public readonly FairAdmission Gate = gate;
        public readonly int PromptTokens = promptTokens;
        public readonly double Weight = weight;
        public readonly CancellationToken Cancellation = cancellation;
        public readonly TaskCompletionSource<AdmissionSlot> Slot = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TenantShare? Share;
        public LinkedListNode<Waiter>? Node;
        public long Arrival;
        public CancellationTokenRegistration Registration;
    }
}
