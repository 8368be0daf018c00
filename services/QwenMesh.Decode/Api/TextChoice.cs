using System.Text;
using QwenMesh.Decode.Completions;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Api;

/// <summary>
/// One choice of a text completion as it is read from its sequence: stop strings matched, logprobs collected, then
/// streamed as chunks of its index or collected for the body. Every choice has its own stopper.
/// </summary>
public sealed class TextChoice(int index, ServedModel served, GenerationOptions options, RunningCompletion run, GenerationPump pump, CancellationTokenSource stopper)
{
    readonly StopSequenceMatcher _stops = new(options.Stop);
    readonly TextLogprobs? _logprobs = options.Logprobs is null ? null : new TextLogprobs(served.Tokenizer);

    void TokenRead(int token) => _logprobs?.Add(run.Choices[index].Logprob(token));

    public CompletionChunks Chunks(string id, long created, Func<OpenAi.Usage>? usageSoFar) =>
        new(id, created, served.Name, options.IncludeUsage, usageSoFar, _logprobs, index);

    /// <summary>Streams the choice's chunks through <paramref name="send"/> (serialised by the caller), its finish chunk last.</summary>
    public async Task<TextChoiceResult> StreamAsync(CompletionChunks chunks, Func<byte[], Task> send, RequestTelemetry telemetry, CancellationToken aborted)
    {
        var (finish, generated, _) = await pump.RunAsync(run, stopper,
            async text =>
            {
                StopFeed f = _stops.Feed(text);
                if (f.Text.Length > 0) await send(chunks.TextChunk(f.Text));
                return f.Stopped;
            },
            async () =>
            {
                string rest = _stops.Flush();
                if (rest.Length > 0) await send(chunks.TextChunk(rest));
            }, telemetry, aborted, onToken: TokenRead, choice: index);
        await send(chunks.FinishChunk(finish));
        return new TextChoiceResult("", finish, _logprobs, generated);
    }

    /// <summary>Reads the whole choice for the non-streamed body.</summary>
    public async Task<TextChoiceResult> CollectAsync(RequestTelemetry telemetry, CancellationToken aborted)
    {
        var text = new StringBuilder();
        var (finish, count, _) = await pump.RunAsync(run, stopper,
            piece => { StopFeed f = _stops.Feed(piece); text.Append(f.Text); return Task.FromResult(f.Stopped); },
            () => { text.Append(_stops.Flush()); return Task.CompletedTask; }, telemetry, aborted, onToken: TokenRead, choice: index);
        return new TextChoiceResult(text.ToString(), finish, _logprobs, count);
    }
}
