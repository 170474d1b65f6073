namespace Alert.Hub.Messaging;

/// <summary>A revision was stored and must reach its subscribers. Published by the outbox relay.</summary>
public sealed record NoticeAccepted(string DocumentId, int Revision, string Status, string MsgType, IReadOnlyList<string> PartCodes);

/// <summary>Send one revision to one subscriber: the unit that is retried, and the receiver's idempotency key.</summary>
public sealed record DeliverNotice(string DocumentId, int Revision, string SubscriberId)
{
    public string IdempotencyKey => $"{DocumentId}.{Revision}.{SubscriberId}";

    /// <summary>
    /// The next_attempt_at its sender set on the delivery's row when handing this message over. The consumer takes the
    /// row only while it still says so: a duplicate or stale message (redelivered, or sent again after a lease lapsed)
    /// finds it changed and sends nothing.
    /// </summary>
    public DateTimeOffset? Lease { get; init; }

    /// <summary>A lease a while from now, to the millisecond so both databases store it exactly and can compare it.</summary>
    public static DateTimeOffset LeaseFrom(DateTimeOffset now)
    {
        var lease = now + TimeSpan.FromMinutes(2);
        return new DateTimeOffset(lease.UtcTicks - lease.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }
}
