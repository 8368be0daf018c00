namespace QwenMesh.LoadTest;

/// <summary>How the load program ends, for scripts that run it.</summary>
public static class ExitCodes
{
    public const int Done = 0;

    /// <summary>The server could not be reached, or not one measured request succeeded.</summary>
    public const int Failed = 1;

    public const int BadArguments = 2;

    /// <summary>Stopped by Ctrl+C, as shells report SIGINT.</summary>
    public const int Interrupted = 130;
}
