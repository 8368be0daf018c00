using System.Globalization;

namespace QwenMesh.Metering.Consumer;

/// <summary>
/// The event ids a consumer group has already counted, kept between runs: a relay that resends after a crash can put a
/// copy on the topic after an earlier run committed past the original, and only a memory of what was counted keeps the
/// next run from counting it again. A text file of "unix-seconds id" lines, replaced whole (written aside, renamed);
/// ids older than <see cref="Retention"/> are forgotten (a resend comes within minutes of its original, not days).
/// </summary>
public sealed class CountedIds
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    readonly string _path;
    readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);

    CountedIds(string path) => _path = path;

    /// <summary>The ids of everything counted before; none when the file does not exist yet.</summary>
    public IReadOnlyCollection<string> Ids => _ids.Keys;

    /// <summary>The default file for a group on a topic of a cluster: under $XDG_STATE_HOME (or ~/.local/state)/qwenmesh/usage-consumer.</summary>
    public static string DefaultPath(string bootstrapServers, string topic, string group)
    {
        ulong key = System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.UTF8.GetBytes($"{bootstrapServers}\n{topic}\n{group}"));
        return StateHome.Folder("usage-consumer", $"{key:x16}.ids");
    }

    public static CountedIds Load(string path, DateTimeOffset now)
    {
        var counted = new CountedIds(path);
        if (!File.Exists(path)) return counted;
        long oldest = (now - Retention).ToUnixTimeSeconds();
        foreach (string line in File.ReadLines(path))
        {
            int space = line.IndexOf(' ');
            if (space <= 0 || !long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out long at))
                throw new InvalidDataException($"the counted-ids file '{path}' is damaged at '{line}'; delete it to count from the committed offsets without it");
            if (at >= oldest) counted._ids[line[(space + 1)..]] = at;
        }
        return counted;
    }

    /// <summary>Adds <paramref name="ids"/> as counted at <paramref name="now"/> and writes the file.</summary>
    public void Save(IEnumerable<string> ids, DateTimeOffset now)
    {
        long at = now.ToUnixTimeSeconds();
        foreach (string id in ids) _ids.TryAdd(id, at);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        string aside = _path + ".next";
        File.WriteAllLines(aside, _ids.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Value} {p.Key}")));
        File.Move(aside, _path, overwrite: true);
    }
}
