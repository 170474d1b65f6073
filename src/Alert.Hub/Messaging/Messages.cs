namespace Alert.Hub.Messaging;

/// <summary>A revision was stored and must reach its subscribers. Published by the outbox relay.</summary>
public sealed record NoticeAccepted(string DocumentId, int Revision, string Status, string MsgType, IReadOnlyList<string> PartCodes);

/// <summary>Send one revision to one subscriber: the unit that is retried, and the receiver's idempotency key.</summary>
public sealed record DeliverNotice(string DocumentId, int Revision, string SubscriberId)
{
    public string IdempotencyKey => $"{DocumentId}.{Revision}.{SubscriberId}";
}
