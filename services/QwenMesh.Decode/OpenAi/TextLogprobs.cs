using System.Text.Json;
using QwenMesh.Model.Sampling;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The logprobs of a text completion's tokens in the legacy shape (<c>{"tokens", "token_logprobs", "top_logprobs",
/// "text_offset"}</c>); a token's offset counts the characters of the tokens before it in this completion.
/// </summary>
public sealed class TextLogprobs(ITokenizer tokenizer) : PendingLogprobs(tokenizer)
{
    int _offset;

    protected override void Write(Utf8JsonWriter json)
    {
        string[] texts = Pending.Select(e => Text(e.Token)).ToArray();
        json.WriteStartObject();
        json.WriteStartArray("tokens");
        foreach (string text in texts) json.WriteStringValue(text);
        json.WriteEndArray();
        json.WriteStartArray("token_logprobs");
        foreach (TokenLogprob entry in Pending) json.WriteNumberValue(Finite(entry.Logprob));
        json.WriteEndArray();
        json.WriteStartArray("top_logprobs");
        foreach (TokenLogprob entry in Pending)
        {
            json.WriteStartObject();
            foreach (var (token, logprob) in entry.Top) json.WriteNumber(Text(token), Finite(logprob));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("text_offset");
        foreach (string text in texts)
        {
            json.WriteNumberValue(_offset);
            _offset += text.Length;
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
