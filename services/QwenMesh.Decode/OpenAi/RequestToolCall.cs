using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// A function call in an earlier assistant turn, as the client sends it back: <paramref name="Arguments"/> is the
/// JSON text of the arguments, exactly as OpenAI's wire format carries it.
/// </summary>
public sealed record RequestToolCall(string Id, string Name, string Arguments)
{
    internal static RequestToolCall Parse(JsonElement call, string param)
    {
        RequestJson.AsObject(call, param);
        string id = RequestJson.RequiredString(call, "id", param);
        string type = RequestJson.RequiredString(call, "type", param);
        if (type != "function") throw RequestErrors.InvalidValue(RequestJson.Path(param, "type"), type, "'function'");

        string functionParam = RequestJson.Path(param, "function");
        if (!RequestJson.TryGetValue(call, "function", out var function)) throw RequestErrors.Missing(functionParam);
        RequestJson.AsObject(function, functionParam);
        return new RequestToolCall(
            id,
            RequestJson.RequiredString(function, "name", functionParam),
            RequestJson.RequiredString(function, "arguments", functionParam));
    }
}
