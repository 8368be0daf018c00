using System.Globalization;

namespace QwenMesh.Metering.Outbox;

/// <summary>
/// The delivery cursor, a file in the outbox folder: the position of the first record not yet delivered. It is
/// replaced whole (written aside, fsync'd, renamed), so a crash leaves the old cursor or the new one, never half of
/// one. A crash before the rename means records delivered since the old cursor are sent again: the consumers dedupe.
/// </summary>
static class OutboxCursor
{
    const string Name = "cursor";

    public static OutboxPosition? Read(string folder)
    {
        string path = Path.Combine(folder, Name);
        if (!File.Exists(path)) return null;
        string[] parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long segment)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long offset)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long record))
            throw new InvalidDataException($"the outbox cursor '{path}' is damaged ('{File.ReadAllText(path).Trim()}'); delete it to deliver the whole outbox again (consumers dedupe)");
        return new OutboxPosition(segment, offset, record);
    }

    public static void Write(string folder, OutboxPosition position)
    {
        string path = Path.Combine(folder, Name), aside = path + ".next";
        using (var file = new FileStream(aside, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{position.Segment} {position.Offset} {position.Record}\n")));
            file.Flush(flushToDisk: true);
        }
        File.Move(aside, path, overwrite: true);
        DurableFolder.Sync(folder);
    }
}
