using System.Runtime.InteropServices;

namespace QwenMesh.Cli.Mesh;

/// <summary>The one POSIX call .NET does not expose: sending SIGTERM, so a child can shut down cleanly.</summary>
internal static partial class Posix
{
    const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static void Terminate(int pid) => Kill(pid, SigTerm);
}
