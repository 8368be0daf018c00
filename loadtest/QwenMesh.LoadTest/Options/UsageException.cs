namespace QwenMesh.LoadTest.Options;

/// <summary>A command line the program cannot run; its message is printed as the one line of stderr.</summary>
public sealed class UsageException(string message) : Exception(message);
