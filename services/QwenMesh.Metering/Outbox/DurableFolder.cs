using System.Runtime.InteropServices;

namespace QwenMesh.Metering.Outbox;

/// <summary>
/// fsync of a folder, so that a file created or renamed in it survives a power loss as well as the file's own bytes do.
/// .NET has no call for it; on Linux it is open(2) read-only + fsync(2). Elsewhere it is skipped.
/// </summary>
static partial class DurableFolder
{
    public static void Sync(string folder)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Open(folder, 0);
        if (fd < 0) throw new IOException($"cannot open folder '{folder}' to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of folder '{folder}' failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
