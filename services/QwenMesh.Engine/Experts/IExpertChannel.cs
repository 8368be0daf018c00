using static TorchSharp.torch;

namespace QwenMesh.Engine.Experts;

/// <summary>The way to one expert worker: a batch of rows grouped by expert in, their expert outputs out.</summary>
public interface IExpertChannel
{
    Task<Tensor> ComputeAsync(int layer, IReadOnlyList<int> experts, IReadOnlyList<int> counts, Tensor rows, CancellationToken cancellation);
}

/// <summary>No replica of an expert can be reached: the request fails with this instead of hanging or guessing.</summary>
public sealed class ExpertUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
