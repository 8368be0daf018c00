using QwenMesh.Metering.Events;
using QwenMesh.Metering.Outbox;

namespace QwenMesh.Metering.Consumer;

/// <summary>
/// Totals usage straight from outbox folders, for a mesh run without Kafka or to check what Kafka was given. The folder
/// is read recursively because an <c>up</c> run keeps one outbox per emitting process (gateway-0, decode-0, ...) under
/// one root. Only complete records count: a torn last line was never acknowledged to anyone (see
/// <see cref="OutboxSegment"/>).
/// </summary>
public sealed class OutboxUsageReader(string folder, TextWriter? warnings = null)
{
    /// <summary>Adds every record of every segment under the folder to <paramref name="tally"/>.</summary>
    /// <returns>The records read, valid or not.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public long ReadInto(UsageTally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        string root = Path.GetFullPath(folder);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"outbox folder '{root}' does not exist");
        var folders = Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Prepend(root).Order(StringComparer.Ordinal);
        long records = 0;
        foreach (string outbox in folders)
        {
            foreach (string segment in OutboxSegment.InOrder(outbox))
            {
                foreach (var (record, end) in OutboxSegment.Records(segment))
                {
                    records++;
                    try
                    {
                        tally.Add(UsageEvent.Decode(record));
                    }
                    catch (UsageEventFormatException e)
                    {
                        tally.AddInvalid();
                        warnings?.WriteLine($"qwenmesh: warning: {segment} record ending at byte {end}: {e.Message}");
                    }
                }
            }
        }
        return records;
    }
}
