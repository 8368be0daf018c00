using System.Text.Json;
using QwenMesh.Model.Sampling;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The logprobs of a chat answer's tokens, in OpenAI's shape (<c>{"content": [{token, logprob, bytes,
/// top_logprobs}], "refusal": null}</c>); <c>bytes</c> is exact where a token is a piece of a character.
/// </summary>
public sealed class ChatLogprobs(ITokenizer tokenizer) : PendingLogprobs(tokenizer)
{
    protected override void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartArray("content");
        foreach (TokenLogprob entry in Pending)
        {
            json.WriteStartObject();
            WriteToken(json, entry.Token, entry.Logprob);
            json.WriteStartArray("top_logprobs");
            foreach (var (token, logprob) in entry.Top)
            {
                json.WriteStartObject();
                WriteToken(json, token, logprob);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNull("refusal");
        json.WriteEndObject();
    }

    void WriteToken(Utf8JsonWriter json, int token, float logprob)
    {
        json.WriteString("token", Text(token));
        json.WriteNumber("logprob", Finite(logprob));
        json.WriteStartArray("bytes");
        foreach (byte b in Bytes(token)) json.WriteNumberValue(b);
        json.WriteEndArray();
    }
}
