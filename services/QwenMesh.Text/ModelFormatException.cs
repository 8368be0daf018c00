namespace QwenMesh.Text;

/// <summary>A model folder (config, checkpoint, tokenizer, chat template) that cannot be used; the message names the culprit.</summary>
public sealed class ModelFormatException(string message) : Exception(message);
