namespace QwenMesh.Engine.State;

/// <summary>A state blob that must not be loaded: other model, other format, corrupted or truncated.</summary>
public sealed class StateFormatException(string message) : Exception(message);
