namespace QwenMesh.Decode.Tests.OpenAi;

/// <summary>
/// The ways property tests cut a text into streamed deltas: whole, every single code unit (so surrogate pairs and
/// tags are split too), with empty deltas in between, every cut into three pieces, and seeded random cuts.
/// </summary>
static class TextSplits
{
    public static IEnumerable<string[]> Of(string text)
    {
        yield return [text];
        yield return [.. text.Select(c => c.ToString())];
        yield return [.. text.SelectMany(c => new[] { "", c.ToString() }), ""];
        for (int i = 0; i <= text.Length; i++)
        {
            for (int j = i; j <= text.Length; j++)
            {
                yield return [text[..i], text[i..j], text[j..]];
            }
        }

        var random = new Random(text.Length);
        for (int round = 0; round < 50; round++)
        {
            var pieces = new List<string>();
            for (int at = 0; at < text.Length;)
            {
                int length = Math.Min(random.Next(1, 6), text.Length - at);
                pieces.Add(text.Substring(at, length));
                at += length;
            }
            yield return [.. pieces];
        }
    }
}
