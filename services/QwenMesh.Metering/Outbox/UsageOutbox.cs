using System.Threading.Channels;
using QwenMesh.Metering.Events;

namespace QwenMesh.Metering.Outbox;

/// <summary>
/// The durable local outbox of usage events: an event is emitted once its line is in a segment file and fsync'd, and
/// only then does the caller go on (decode sends a response's last bytes after it). Concurrent appends share one
/// write and one fsync (group commit). A relay reads from the delivery cursor, and <see cref="Acknowledge"/> moves the
/// cursor once Kafka has the events, deleting segments that are wholly delivered. The outbox is bounded by the bytes it
/// holds undelivered: at the bound a new event is refused (the caller counts and logs it), and nothing already in the
/// outbox is ever dropped. One process owns a folder (a lock file says so); reopening it after a crash cuts a torn
/// last line, and delivery resumes from the cursor.
/// </summary>
public sealed class UsageOutbox : IAsyncDisposable
{
    const string LockName = "LOCK";
    /// <summary>The most a relay reads at once.</summary>
    const long ReadBytes = 4 << 20;

    sealed record Append(byte[] Line, DateTimeOffset Time, TaskCompletionSource<bool> Written);

    readonly string _folder;
    readonly long _capacity, _segmentBytes;
    readonly FileStream _lock;
    readonly Channel<Append> _appends = Channel.CreateUnbounded<Append>(new UnboundedChannelOptions { SingleReader = true });
    readonly Task _writer;
    readonly object _gate = new();
    FileStream _segment;
    OutboxPosition _delivered, _committed;
    long _pendingBytes;
    DateTimeOffset? _oldest;
    bool _oldestKnown;
    TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    UsageOutbox(string folder, long capacity, long segmentBytes, FileStream lockFile)
    {
        _folder = folder;
        _capacity = capacity;
        _segmentBytes = segmentBytes;
        _lock = lockFile;
        _segment = Recover();
        _writer = Task.Run(WriteAsync);
    }

    public string Folder => _folder;

    /// <summary>Opens (or creates) the outbox in <paramref name="folder"/>, taking it over from a crashed owner.</summary>
    /// <exception cref="IOException">Another process holds the folder, or it cannot be written.</exception>
    public static UsageOutbox Open(string folder, long capacityBytes, long segmentBytes)
    {
        Directory.CreateDirectory(folder);
        FileStream lockFile;
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix: a second process gets an IOException.
            lockFile = new FileStream(Path.Combine(folder, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"the usage outbox '{folder}' is in use by another process (each emitter needs its own folder): {e.Message}", e);
        }
        try
        {
            return new UsageOutbox(folder, capacityBytes, segmentBytes, lockFile);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="usage"/> durably. True once it is on disk; false when the outbox is full (the event is not
    /// kept). Throws <see cref="IOException"/> when the disk failed (the event is not kept either).
    /// </summary>
    public Task<bool> AppendAsync(UsageEvent usage)
    {
        var append = new Append(usage.Encode(), usage.Time, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_appends.Writer.TryWrite(append)) throw new ObjectDisposedException(nameof(UsageOutbox), "the usage outbox is closed");
        return append.Written.Task;
    }

    public OutboxState State
    {
        get
        {
            lock (_gate)
            {
                if (!_oldestKnown)
                {
                    _oldest = _committed.Record > _delivered.Record ? OldestTime() : null;
                    _oldestKnown = true;
                }
                return new OutboxState(_committed.Record - _delivered.Record, _pendingBytes, _capacity, _oldest);
            }
        }
    }

    /// <summary>Completes when the outbox holds an undelivered event (at once if it does now).</summary>
    public Task WaitForEventsAsync(CancellationToken cancellation)
    {
        lock (_gate)
        {
            if (_committed.Record > _delivered.Record) return Task.CompletedTask;
            return _arrived.Task.WaitAsync(cancellation);
        }
    }

    /// <summary>Up to <paramref name="maxRecords"/> undelivered events in order from the cursor, or null when there are none.</summary>
    public OutboxBatch? Peek(int maxRecords)
    {
        OutboxPosition from, to;
        lock (_gate)
        {
            from = _delivered;
            to = _committed;
        }
        if (from.Record >= to.Record) return null;
        var records = new List<ReadOnlyMemory<byte>>();
        long bytes = 0;
        OutboxPosition at = from;
        while (records.Count < maxRecords && at.Record < to.Record)
        {
            long end = at.Segment == to.Segment ? to.Offset : long.MaxValue;
            int before = records.Count;
            foreach (var (record, recordEnd) in OutboxSegment.Records(SegmentPath(at.Segment), at.Offset, Math.Min(end, at.Offset + ReadBytes)))
            {
                records.Add(record);
                bytes += record.Length + 1;
                at = at with { Offset = recordEnd, Record = at.Record + 1 };
                if (records.Count == maxRecords) break;
            }
            if (records.Count == before)
            {
                // This segment is read to its end: the next record begins the next segment, named by its number.
                if (at.Segment == to.Segment) break;
                at = new OutboxPosition(at.Record, 0, at.Record);
                if (!File.Exists(SegmentPath(at.Segment)))
                    throw new InvalidDataException($"the usage outbox '{_folder}' lacks segment {OutboxSegment.FileName(at.Segment)} after record {at.Record}");
            }
        }
        return records.Count == 0 ? null : new OutboxBatch(records, at, bytes);
    }

    /// <summary>The events of <paramref name="batch"/> are delivered: move the cursor past them (durably) and delete what is wholly behind it.</summary>
    public void Acknowledge(OutboxBatch batch)
    {
        lock (_gate)
        {
            if (batch.End.Record <= _delivered.Record) return;
            OutboxCursor.Write(_folder, batch.End);
            _delivered = batch.End;
            _pendingBytes -= batch.Bytes;
            _oldestKnown = false;
            if (_delivered.Record == _committed.Record) _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        foreach (string segment in OutboxSegment.InOrder(_folder))
        {
            if (OutboxSegment.FirstRecord(segment) >= batch.End.Segment) break;
            File.Delete(segment);
        }
    }

    string SegmentPath(long first) => Path.Combine(_folder, OutboxSegment.FileName(first));

    /// <summary>The end time of the next event to deliver (read from its line).</summary>
    DateTimeOffset? OldestTime()
    {
        try
        {
            OutboxBatch? one = Peek(1);
            return one is null ? null : UsageEvent.Envelope(one.Records[0].Span).Time;
        }
        catch (Exception e) when (e is UsageEventFormatException or IOException)
        {
            return null;
        }
    }

    /// <summary>Takes the folder over: cut a torn tail, find the cursor, count what is undelivered, open the last segment for appends.</summary>
    FileStream Recover()
    {
        var segments = OutboxSegment.InOrder(_folder);
        if (segments.Count == 0)
        {
            OutboxPosition? saved = OutboxCursor.Read(_folder);
            long first = saved?.Record ?? 0;
            _delivered = _committed = new OutboxPosition(first, 0, first);
            return NewSegment(first);
        }
        string last = segments[^1];
        long complete = OutboxSegment.CompleteLength(last);
        using (var cut = new FileStream(last, FileMode.Open, FileAccess.Write, FileShare.Read))
            if (cut.Length != complete)
            {
                cut.SetLength(complete);
                cut.Flush(flushToDisk: true);
            }
        long firstSegment = OutboxSegment.FirstRecord(segments[0])!.Value;
        OutboxPosition cursor = OutboxCursor.Read(_folder) is { } c && c.Segment >= firstSegment ? c : new OutboxPosition(firstSegment, 0, firstSegment);
        long lastFirst = OutboxSegment.FirstRecord(last)!.Value;
        long lastCount = OutboxSegment.Records(last).LongCount();
        _committed = new OutboxPosition(lastFirst, complete, lastFirst + lastCount);
        _delivered = cursor;
        foreach (string segment in segments.Where(s => OutboxSegment.FirstRecord(s) >= cursor.Segment))
            _pendingBytes += new FileInfo(segment).Length - (OutboxSegment.FirstRecord(segment) == cursor.Segment ? cursor.Offset : 0);
        return new FileStream(last, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    FileStream NewSegment(long first)
    {
        var file = new FileStream(SegmentPath(first), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        DurableFolder.Sync(_folder);
        return file;
    }

    async Task WriteAsync()
    {
        var batch = new List<Append>();
        while (await _appends.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < 4096 && _appends.Reader.TryRead(out Append? append)) batch.Add(append);
            Commit(batch);
        }
        await _segment.DisposeAsync();
    }

    /// <summary>
    /// One write and one fsync for every append waiting (and one more at each segment rollover): each is told true (on
    /// disk), false (the outbox is full) or the I/O error (nothing of it kept).
    /// </summary>
    void Commit(List<Append> batch)
    {
        var written = new List<Append>(batch.Count);
        OutboxPosition committed, durable;
        long pending, added = 0;
        lock (_gate)
        {
            committed = durable = _committed;
            pending = _pendingBytes;
        }
        try
        {
            foreach (Append append in batch)
            {
                long size = append.Line.Length + 1;
                if (pending + added + size > _capacity)
                {
                    append.Written.TrySetResult(false);
                    continue;
                }
                if (committed.Offset > 0 && committed.Offset + size > _segmentBytes)
                {
                    _segment.Flush(flushToDisk: true);
                    Publish(written, committed, added);
                    durable = committed;
                    written.Clear();
                    added = 0;
                    lock (_gate) pending = _pendingBytes;
                    _segment.Dispose();
                    _segment = NewSegment(committed.Record);
                    committed = durable = new OutboxPosition(committed.Record, 0, committed.Record);
                    lock (_gate) _committed = committed;
                }
                _segment.Write(append.Line);
                _segment.WriteByte((byte)'\n');
                committed = new OutboxPosition(committed.Segment, committed.Offset + size, committed.Record + 1);
                added += size;
                written.Add(append);
            }
            _segment.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keep the segment whole: cut what was written after the last fsync'd record, so the next line starts clean.
            try
            {
                _segment.SetLength(durable.Offset);
                _segment.Position = durable.Offset;
            }
            catch (IOException)
            {
                // the disk is gone; reopening the outbox cuts the torn tail
            }
            foreach (Append append in written) append.Written.TrySetException(e);
            return;
        }
        Publish(written, committed, added);
    }

    /// <summary>Makes fsync'd records visible to the relay and tells their writers.</summary>
    void Publish(List<Append> written, OutboxPosition committed, long added)
    {
        if (written.Count == 0) return;
        lock (_gate)
        {
            if (_committed.Record == _delivered.Record)
            {
                _oldest = written[0].Time;
                _oldestKnown = true;
            }
            _committed = committed;
            _pendingBytes += added;
            _arrived.TrySetResult();
        }
        foreach (Append append in written) append.Written.TrySetResult(true);
    }

    public async ValueTask DisposeAsync()
    {
        _appends.Writer.TryComplete();
        await _writer;
        _lock.Dispose();
    }
}
