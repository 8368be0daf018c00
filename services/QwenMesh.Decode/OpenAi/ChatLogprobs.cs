using System.Text;
using System.Text.Json;
using QwenMesh.Model.Sampling;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The logprobs of a chat answer's tokens, in OpenAI's shape (<c>{"content": [{token, logprob, bytes,
/// top_logprobs}], "refusal": null}</c>): a streamed chunk carries the tokens read since the last chunk, the
/// non-streamed body all of them. A token's text is its own bytes decoded (a piece of a character shows as U+FFFD;
/// <c>bytes</c> is exact).
/// </summary>
public sealed class ChatLogprobs(ITokenizer tokenizer)
{
    readonly List<TokenLogprob> _pending = [];

    public void Add(TokenLogprob? entry)
    {
        if (entry is not null) _pending.Add(entry);
    }

    /// <summary>Writes <c>"logprobs"</c> with the tokens added since the last write (null when there are none).</summary>
    public void WritePending(Utf8JsonWriter json)
    {
        if (_pending.Count == 0)
        {
            json.WriteNull("logprobs");
            return;
        }
        json.WriteStartObject("logprobs");
        json.WriteStartArray("content");
        foreach (TokenLogprob entry in _pending)
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
        _pending.Clear();
    }

    void WriteToken(Utf8JsonWriter json, int token, float logprob)
    {
        byte[] bytes = tokenizer.TokenBytes(token).ToArray();
        json.WriteString("token", Encoding.UTF8.GetString(bytes));
        // -inf (a token the model gave no chance) is not JSON: OpenAI's floor is -9999.
        json.WriteNumber("logprob", float.IsNegativeInfinity(logprob) ? -9999f : logprob);
        json.WriteStartArray("bytes");
        foreach (byte b in bytes) json.WriteNumberValue(b);
        json.WriteEndArray();
    }
}
