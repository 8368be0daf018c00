namespace QwenMesh.LoadTest.Run;

/// <summary>The raw result of one phase: every request's outcome and the wall time from start to the last response.</summary>
public sealed record PhaseRun(int Phase, int Concurrency, IReadOnlyList<RequestOutcome> Outcomes, TimeSpan Wall);
