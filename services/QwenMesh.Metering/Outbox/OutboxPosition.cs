namespace QwenMesh.Metering.Outbox;

/// <summary>A place in the outbox: byte <see cref="Offset"/> of the segment whose first record is <see cref="Segment"/>, where record number <see cref="Record"/> begins.</summary>
public readonly record struct OutboxPosition(long Segment, long Offset, long Record);

/// <summary>Records read from the outbox for delivery, in order, and where the outbox stands once they are delivered.</summary>
public sealed record OutboxBatch(IReadOnlyList<ReadOnlyMemory<byte>> Records, OutboxPosition End, long Bytes);

/// <summary>The outbox now: undelivered events and bytes, its bound, and the time of its oldest undelivered event.</summary>
public readonly record struct OutboxState(long Events, long Bytes, long Capacity, DateTimeOffset? OldestEvent);
