using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Stats;

namespace QwenMesh.LoadTest.Report;

/// <summary>Everything a report prints: the run's settings and the result of each phase in order.</summary>
public sealed record RunReport(LoadOptions Options, string Model, IReadOnlyList<PhaseResult> Phases);
