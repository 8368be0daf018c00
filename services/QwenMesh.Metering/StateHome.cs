namespace QwenMesh.Metering;

/// <summary>Where metering keeps its files when not told: $XDG_STATE_HOME (or ~/.local/state)/qwenmesh.</summary>
public static class StateHome
{
    public static string Folder(params string[] parts) =>
        Path.Combine([
            Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } state ? state
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"),
            "qwenmesh", .. parts]);
}
