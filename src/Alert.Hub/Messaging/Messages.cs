namespace Alert.Hub.Messaging;

/// <summary>A revision was stored and must reach its subscribers. Published by the outbox relay.</summary>
public sealed record NoticeAccepted(string DocumentId, int Revision, string Status, string MsgType, IReadOnlyList<string> PartCodes);

/// <summary>
/// Send one revision to a few webhook subscribers. A message per delivery cost a broker round trip each (a thousand
/// for a notice with a thousand subscribers, before the first could go out); a few dozen per message cost one, and
/// each delivery still succeeds, fails and is retried on its own row.
/// </summary>
public sealed record DeliverNotice(string DocumentId, int Revision, IReadOnlyList<string> SubscriberIds)
{
    /// <summary>How many subscribers one message carries: enough to spare the broker, few enough to spread over consumers.</summary>
    public const int BatchSize = 20;

    /// <summary>
    /// The next_attempt_at its sender set on the deliveries' rows when handing this message over. The consumer takes
    /// a row only while it still says so: a duplicate or stale message (redelivered, or sent again after a lease
    /// lapsed) finds it changed and sends nothing.
    /// </summary>
    public DateTimeOffset? Lease { get; init; }

    /// <summary>Messages for these deliveries of one revision, <see cref="BatchSize"/> subscribers each.</summary>
    public static IEnumerable<DeliverNotice> For(string documentId, int revision, IEnumerable<string> subscriberIds, DateTimeOffset lease) =>
        subscriberIds.Chunk(BatchSize).Select(ids => new DeliverNotice(documentId, revision, ids) { Lease = lease });

    /// <summary>How long a queued row waits for the message sent for it before the scheduler sends another.</summary>
    public static readonly TimeSpan Queued = TimeSpan.FromMinutes(2);

    /// <summary>A lease <paramref name="length"/> from now (<see cref="Queued"/> by default), to the millisecond so both databases store it exactly and can compare it.</summary>
    public static DateTimeOffset LeaseFrom(DateTimeOffset now, TimeSpan? length = null)
    {
        var lease = now + (length ?? Queued);
        return new DateTimeOffset(lease.UtcTicks - lease.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }
}

/// <summary>One revision to one subscriber: a row of deliveries, and the receiver's idempotency key.</summary>
public readonly record struct DeliveryKey(string DocumentId, int Revision, string SubscriberId)
{
    public string IdempotencyKey => $"{DocumentId}.{Revision}.{SubscriberId}";
}
