namespace QwenMesh.Decode.OpenAi;

/// <summary>A served model as GET /v1/models lists it; Created is in Unix seconds.</summary>
public sealed record ModelCard(string Id, long Created);
