using System.Text;
using System.Text.Json;

namespace QwenMesh.Cli.Soak;

/// <summary>One streamed chat of the soak: its text, and whether it ended as a stream must (with [DONE], no error event).</summary>
public sealed record SoakOutcome(int Prompt, bool Complete, string Text, string? Error);

public static class SoakStream
{
    public static async Task<SoakOutcome> RunAsync(HttpClient http, string model, int prompt, string question, int maxTokens, CancellationToken stop)
    {
        string json = JsonSerializer.Serialize(new
        {
            model,
            messages = new[] { new { role = "user", content = question } },
            max_tokens = maxTokens,
            temperature = 0,
            stream = true,
        });
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
            if ((int)response.StatusCode != 200) return new SoakOutcome(prompt, false, "", $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(stop)}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
            var text = new StringBuilder();
            while (await reader.ReadLineAsync(stop) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                string data = line[6..];
                if (data == "[DONE]") return new SoakOutcome(prompt, true, text.ToString(), null);
                using JsonDocument e = JsonDocument.Parse(data);
                if (e.RootElement.TryGetProperty("error", out JsonElement error)) return new SoakOutcome(prompt, false, text.ToString(), error.GetRawText());
                JsonElement choices = e.RootElement.GetProperty("choices");
                if (choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out JsonElement piece)) text.Append(piece.GetString());
            }
            return new SoakOutcome(prompt, false, text.ToString(), "the stream ended without [DONE]");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
        {
            return new SoakOutcome(prompt, false, "", e.Message);
        }
    }
}
