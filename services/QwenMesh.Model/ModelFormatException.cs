namespace QwenMesh.Model;

/// <summary>A model folder, config or checkpoint that cannot be used; the message names the culprit.</summary>
public sealed class ModelFormatException(string message) : Exception(message);
