using System.Text;
using System.Text.Json;
using QwenMesh.Model.Sampling;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The logprobs of a choice's tokens as they are read, written in a response shape (chat's or text completions'):
/// a streamed chunk carries the tokens read since the last chunk, the body all of them.
/// </summary>
public abstract class PendingLogprobs(ITokenizer tokenizer)
{
    protected List<TokenLogprob> Pending { get; } = [];

    public void Add(TokenLogprob? entry)
    {
        if (entry is not null) Pending.Add(entry);
    }

    /// <summary>Writes <c>"logprobs"</c> with the tokens added since the last write (null when there are none), and forgets them.</summary>
    public void WritePending(Utf8JsonWriter json)
    {
        if (Pending.Count == 0)
        {
            json.WriteNull("logprobs");
            return;
        }
        json.WritePropertyName("logprobs");
        Write(json);
        Pending.Clear();
    }

    /// <summary>The pending tokens as the shape's logprobs object.</summary>
    protected abstract void Write(Utf8JsonWriter json);

    /// <summary>A token's text: its own bytes decoded (a piece of a character shows as U+FFFD).</summary>
    protected byte[] Bytes(int token) => tokenizer.TokenBytes(token).ToArray();

    protected string Text(int token) => Encoding.UTF8.GetString(tokenizer.TokenBytes(token));

    // -inf (a token the model gave no chance) is not JSON: OpenAI's floor is -9999.
    protected static float Finite(float logprob) => float.IsNegativeInfinity(logprob) ? -9999f : logprob;
}
