using QwenMesh.Engine.State;
using QwenMesh.Model.State;

namespace QwenMesh.Engine.Prefill;

/// <summary>
/// How a prefilled state reaches decode (SGLang's sender/receiver seam): published under a handoff lease in the shared
/// state store (Redis); or delivered as the state itself: handed over as the object to a decode in this process
/// (colocated: nothing is encoded, copied or stored), or streamed back in the prefill reply to a decode elsewhere.
/// </summary>
public abstract record StateHandoff
{
    /// <summary>Encoded and stored under <paramref name="Key"/>; the receiver consumes the lease.</summary>
    public sealed record Published(StateKey Key) : StateHandoff;

    /// <summary>The state itself; the receiver owns it from here on.</summary>
    public sealed record Delivered(SequenceState State) : StateHandoff;
}
