namespace QwenMesh.Text.ToolCalls;

/// <summary>How much of a text's end must wait: the longest suffix that could still grow into one of the tags.</summary>
internal static class PartialTag
{
    public static int HeldBack(ReadOnlySpan<char> text, params string[] tags)
    {
        int held = 0;
        foreach (string tag in tags)
        {
            for (int length = Math.Min(tag.Length - 1, text.Length); length > held; length--)
            {
                if (text[^length..].SequenceEqual(tag.AsSpan(0, length)))
                {
                    held = length;
                    break;
                }
            }
        }
        return held;
    }
}
