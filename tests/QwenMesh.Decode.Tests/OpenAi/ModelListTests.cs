using QwenMesh.Decode.OpenAi;
using static QwenMesh.Decode.Tests.OpenAi.ResponseText;

namespace QwenMesh.Decode.Tests.OpenAi;

public sealed class ModelListTests
{
    [Fact]
    public void Models_are_listed_in_openais_shape() =>
        Assert.Equal(
            Expected("{'object':'list','data':["
                + "{'id':'qwen3.5-397b-a17b','object':'model','created':1700000000,'owned_by':'qwenmesh'},"
                + "{'id':'tiny','object':'model','created':1,'owned_by':'qwenmesh'}]}"),
            Of(ModelList.ToJson([new ModelCard("qwen3.5-397b-a17b", 1700000000), new ModelCard("tiny", 1)])));

    [Fact]
    public void No_models_is_an_empty_list() =>
        Assert.Equal(Expected("{'object':'list','data':[]}"), Of(ModelList.ToJson([])));
}
