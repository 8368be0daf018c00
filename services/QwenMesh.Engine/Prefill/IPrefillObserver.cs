namespace QwenMesh.Engine.Prefill;

/// <summary>What the prefill queue reports per batch (the service turns it into metrics).</summary>
public interface IPrefillObserver
{
    void Batch(int size, TimeSpan took, IReadOnlyList<PrefillOutcome> outcomes);
}
