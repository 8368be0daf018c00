using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class CompletionIdsTests
{
    [Fact]
    public void Ids_have_openais_prefixes_and_alphanumeric_bodies()
    {
        string chat = CompletionIds.NewChatId();
        string text = CompletionIds.NewTextId();
        Assert.Matches("^chatcmpl-[0-9A-Za-z]{29}$", chat);
        Assert.Matches("^cmpl-[0-9A-Za-z]{29}$", text);
    }

    [Fact]
    public void Ids_do_not_repeat()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => CompletionIds.NewChatId()).ToHashSet();
        Assert.Equal(10_000, ids.Count);
    }
}
