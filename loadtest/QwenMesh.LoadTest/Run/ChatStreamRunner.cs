using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using QwenMesh.LoadTest.Api;
using QwenMesh.LoadTest.Options;
using QwenMesh.LoadTest.Sse;

namespace QwenMesh.LoadTest.Run;

/// <summary>Sends one streaming chat request and measures it from the server-sent events it gets back.</summary>
public sealed class ChatStreamRunner(HttpClient http, LoadOptions options, string model)
{
    const int MaxErrorBodyChars = 16 * 1024;

    public const string SessionHeader = "x-session-id";

    public async Task<RequestOutcome> RunAsync(ChatTurn turn, CancellationToken cancellationToken)
    {
        RequestOutcome outcome = await SendAsync(turn, cancellationToken).ConfigureAwait(false);
        string? key = turn.Tenant?.Key ?? options.ApiKey;
        return outcome with { Tenant = turn.Tenant?.Name, ErrorMessage = ApiHttp.Redact(outcome.ErrorMessage, key) };
    }

    async Task<RequestOutcome> SendAsync(ChatTurn turn, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        using var request = BuildRequest(turn);

        long sentAt = Stopwatch.GetTimestamp();
        double Elapsed() => StreamTimeline.Milliseconds(sentAt, Stopwatch.GetTimestamp());
        try
        {
            using HttpResponseMessage response = await http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string body = await ReadErrorBodyAsync(response, deadline.Token).ConfigureAwait(false);
                string? message = ApiErrorBody.FromBody(body) ?? response.ReasonPhrase;
                TimeSpan? retryAfter = RetryAfter.From(response.Headers, DateTimeOffset.UtcNow);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    return RequestOutcome.Refused(RateLimitRefusal.Classify(body), message, Elapsed(), turn.IsLongPrompt, retryAfter);
                return RequestOutcome.Failure(
                    ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    message,
                    Elapsed(),
                    turn.IsLongPrompt,
                    retryAfter);
            }

            await using Stream stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            return await ReadStreamAsync(stream, sentAt, turn.IsLongPrompt, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return RequestOutcome.Failure(ErrorKinds.Timeout, $"no complete answer within {options.Timeout.TotalSeconds:0.###} s", Elapsed(), turn.IsLongPrompt);
        }
        catch (HttpRequestException e)
        {
            return RequestOutcome.Failure(ErrorKinds.Connection, e.Message, Elapsed(), turn.IsLongPrompt);
        }
        catch (IOException e)
        {
            return RequestOutcome.Failure(ErrorKinds.Connection, e.Message, Elapsed(), turn.IsLongPrompt);
        }
        catch (InvalidDataException e)
        {
            return RequestOutcome.Failure(ErrorKinds.Stream, e.Message, Elapsed(), turn.IsLongPrompt);
        }
    }

    HttpRequestMessage BuildRequest(ChatTurn turn)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, options.ChatCompletionsUri)
        {
            Content = new ByteArrayContent(ChatRequestBody.Write(model, turn.Messages, options.MaxTokens, options.Temperature)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        ApiHttp.Authorize(request, turn.Tenant?.Key ?? options.ApiKey);
        if (turn.SessionId is not null) request.Headers.TryAddWithoutValidation(SessionHeader, turn.SessionId);
        return request;
    }

    async Task<RequestOutcome> ReadStreamAsync(Stream stream, long sentAt, bool isLongPrompt, CancellationToken cancellationToken)
    {
        var reader = new SseReader(stream);
        var timeline = new StreamTimeline(sentAt, keepReply: options.Sessions);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } sse)
        {
            long arrivedAt = Stopwatch.GetTimestamp();
            if (sse.IsDone) return timeline.Complete(arrivedAt, isLongPrompt);

            StreamChunk chunk;
            try
            {
                chunk = StreamChunk.Parse(sse.Data);
            }
            catch (JsonException e)
            {
                return RequestOutcome.Failure(ErrorKinds.Stream, $"bad chunk: {e.Message}", StreamTimeline.Milliseconds(sentAt, arrivedAt), isLongPrompt);
            }
            if (chunk.Error is not null)
                return RequestOutcome.Failure(ErrorKinds.Stream, chunk.Error, StreamTimeline.Milliseconds(sentAt, arrivedAt), isLongPrompt);
            timeline.Observe(chunk, arrivedAt);
        }
        return RequestOutcome.Failure(ErrorKinds.Incomplete, "stream ended without data: [DONE]",
            StreamTimeline.Milliseconds(sentAt, Stopwatch.GetTimestamp()), isLongPrompt);
    }

    static async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Bounded, so a misbehaving server cannot make the load program buffer an endless error page.
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        char[] buffer = new char[MaxErrorBodyChars];
        int total = 0;
        while (total < buffer.Length)
        {
            int read = await reader.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            total += read;
        }
        return new string(buffer, 0, total);
    }
}
