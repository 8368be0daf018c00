using System.Text;

namespace QwenMesh.LoadTest.Prompts;

/// <summary>
/// Makes deterministic English-like prompts: sentences of common words ending in a request to continue,
/// exactly the asked number of words in all. Each (seed, stream, index) gives its own text, so requests
/// do not share a prefix that a server's prefix cache would turn into artificially short first tokens.
/// </summary>
public sealed class PromptGenerator(ulong seed)
{
    // Placed last rather than first, so the only text requests share is a short suffix.
    static readonly string[] Instruction = ["Continue", "this", "story", "in", "detail."];

    public const ulong FirstTurnStream = 1;
    public const ulong FollowUpStream = 2;

    public string Prompt(int words, ulong stream, ulong phase, ulong index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(words, 1);
        int passageWords = words > Instruction.Length * 2 ? words - Instruction.Length : words;
        var text = new StringBuilder(words * 7);
        AppendPassage(text, passageWords, new SplitMix64(SplitMix64.Mix(seed, stream, phase, index)));
        if (passageWords < words) text.Append("\n\n").AppendJoin(' ', Instruction);
        return text.ToString();
    }

    static void AppendPassage(StringBuilder text, int words, SplitMix64 random)
    {
        int leftInSentence = 0;
        for (int i = 0; i < words; i++)
        {
            bool sentenceStart = leftInSentence == 0;
            if (sentenceStart) leftInSentence = 6 + random.Below(10);
            string word = WordList.Words[random.Below(WordList.Words.Length)];
            if (i > 0) text.Append(' ');
            if (sentenceStart) text.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
            else text.Append(word);
            leftInSentence--;
            bool last = i == words - 1;
            if (leftInSentence == 0 || last) text.Append('.');
            else if (random.Below(12) == 0) text.Append(',');
        }
    }

    /// <summary>Counts words the way the generator makes them: runs of non-whitespace.</summary>
    public static int CountWords(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
}
