using System.Globalization;

namespace QwenMesh.Metering.Outbox;

/// <summary>
/// The outbox's file format, in one place. An outbox is a folder of segment files named by their first record's number
/// (<c>00000000000000000042.events</c>); each record is one encoded event on one line, ending in '\n'. A last line
/// without its '\n' is a write cut short by a crash: that event was never acknowledged to anyone, so it is not one.
/// </summary>
public static class OutboxSegment
{
    public const string Extension = ".events";

    public static string FileName(long firstRecord) => firstRecord.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>The number of the first record in <paramref name="path"/>, or null when the name is not a segment's.</summary>
    public static long? FirstRecord(string path)
    {
        string name = Path.GetFileName(path);
        if (!name.EndsWith(Extension, StringComparison.Ordinal)) return null;
        return long.TryParse(name[..^Extension.Length], NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
    }

    /// <summary>The segments of <paramref name="folder"/>, oldest first.</summary>
    public static IReadOnlyList<string> InOrder(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*" + Extension).Where(f => FirstRecord(f) is not null).OrderBy(f => FirstRecord(f)).ToList()
            : [];

    /// <summary>
    /// The complete records of a segment from byte <paramref name="offset"/> up to <paramref name="end"/> (the file's
    /// length when null), each with the offset just past it.
    /// </summary>
    public static IEnumerable<(ReadOnlyMemory<byte> Record, long End)> Records(string path, long offset = 0, long? end = null)
    {
        byte[] bytes;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            long stop = Math.Min(end ?? file.Length, file.Length);
            if (offset >= stop) yield break;
            file.Position = offset;
            bytes = new byte[stop - offset];
            file.ReadExactly(bytes);
        }
        int start = 0;
        while (start < bytes.Length)
        {
            int newline = Array.IndexOf(bytes, (byte)'\n', start);
            if (newline < 0) yield break;   // a torn last write
            if (newline > start) yield return (bytes.AsMemory(start, newline - start), offset + newline + 1);
            start = newline + 1;
        }
    }

    /// <summary>The length of <paramref name="path"/> up to its last complete record (what is left after a torn write is cut).</summary>
    public static long CompleteLength(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[64 * 1024];
        long position = file.Length;
        while (position > 0)
        {
            int size = (int)Math.Min(buffer.Length, position);
            position -= size;
            file.Position = position;
            file.ReadExactly(buffer, 0, size);
            int newline = Array.LastIndexOf(buffer, (byte)'\n', size - 1, size);
            if (newline >= 0) return position + newline + 1;
        }
        return 0;
    }
}
