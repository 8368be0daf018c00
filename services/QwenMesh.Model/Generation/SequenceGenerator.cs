using QwenMesh.Model.Checkpoints;
using QwenMesh.Model.Sampling;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Model.Generation;

/// <summary>Generates one sequence: a prefill of the prompt, then one decode step per new token.</summary>
public sealed class SequenceGenerator(QwenModel model)
{
    /// <summary>Generates up to MaxTokens ids (a stop token is included and ends the run); reports each id as it is chosen.</summary>
    public (IReadOnlyList<int> Tokens, FinishReason Finish) Generate(GenerationRequest request, Action<int>? onToken = null)
    {
        if (request.Prompt.Count == 0) throw new ArgumentException("the prompt is empty");
        if (request.MaxTokens < 0) throw new ArgumentException("max tokens must be >= 0");
        var sampler = new Sampler(request.Sampling);
        var output = new List<int>();
        if (request.MaxTokens == 0) return (output, FinishReason.Length);
        using SequenceState state = model.NewState();
        int next;
        using (Tensor logits = model.Prefill(state, request.Prompt))
        {
            next = sampler.Next(TensorMemory.Rows(logits)[0]);
        }
        while (true)
        {
            output.Add(next);
            onToken?.Invoke(next);
            if (request.StopTokens.Contains(next)) return (output, FinishReason.Stop);
            if (output.Count >= request.MaxTokens) return (output, FinishReason.Length);
            using Tensor logits = model.Decode([state], [next]);
            next = sampler.Next(TensorMemory.Rows(logits)[0]);
        }
    }
}
