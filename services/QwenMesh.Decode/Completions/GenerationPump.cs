using System.Threading.Channels;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Decode;
using QwenMesh.Text.Tokenization;
using ModelFinish = QwenMesh.Model.Generation.FinishReason;

namespace QwenMesh.Decode.Completions;

/// <summary>
/// Drains a running completion: turns token ids into text (stop tokens end it and are not shown), hands each
/// piece to the caller's filter, and ends the sequence in the engine as soon as a stop string is met.
/// </summary>
public sealed class GenerationPump(ITokenizer tokenizer)
{
    /// <param name="run">The started completion.</param>
    /// <param name="stopper">Cancels the sequence in the engine (a stop string ends generation early).</param>
    /// <param name="onText">Takes the next text piece; returns true when a stop string ended the output.</param>
    /// <param name="onEnd">Called once after the last piece, to release what the filter still holds.</param>
    /// <param name="aborted">The client went away.</param>
    /// <param name="telemetry">Told of every token as it arrives (TTFT, inter-token latency).</param>
    /// <param name="thinking">True while the output is in its reasoning section: tokens generated then are reasoning tokens.</param>
    /// <param name="onToken">Told the index of every shown token (stop tokens are not), before its text.</param>
    /// <param name="choice">Which of the run's choices to drain (the first by default).</param>
    public async Task<(FinishReason Finish, int CompletionTokens, int ReasoningTokens)> RunAsync(RunningCompletion run, CancellationTokenSource stopper,
        Func<string, Task<bool>> onText, Func<Task> onEnd, RequestTelemetry telemetry, CancellationToken aborted, Func<bool>? thinking = null,
        Action<int>? onToken = null, int choice = 0)
    {
        DecodeSequence sequence = run.Choices[choice];
        var decoder = new TokenDecoder(tokenizer);
        int tokens = 0, reasoning = 0;
        ChannelReader<int> reader = sequence.Tokens;
        try
        {
            while (await reader.WaitToReadAsync(aborted))
            {
                while (reader.TryRead(out int id))
                {
                    tokens++;
                    if (thinking?.Invoke() == true) reasoning++;
                    telemetry.Token();
                    run.Slot.Served(1);
                    if (sequence.StopTokens.Contains(id)) continue;
                    onToken?.Invoke(tokens - 1);
                    string text = decoder.Append(id);
                    if (text.Length > 0 && await onText(text))
                    {
                        await stopper.CancelAsync();
                        return (FinishReason.Stop, tokens, reasoning);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested && stopper.IsCancellationRequested)
        {
            return (FinishReason.Stop, tokens, reasoning);
        }
        string tail = decoder.Flush();
        if (tail.Length > 0 && await onText(tail)) return (FinishReason.Stop, tokens, reasoning);
        await onEnd();
        return (sequence.Finish == ModelFinish.Length ? FinishReason.Length : FinishReason.Stop, tokens, reasoning);
    }
}
