namespace QwenMesh.LoadTest.Api;

/// <summary>The server could not be reached or did not answer usefully before the run started.</summary>
public sealed class ServerUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
