using Alert.Core.Notices;
using Alert.Hub.Intake;
using Alert.Hub.Messaging;
using Alert.Hub.Metrics;
using Alert.Hub.Storage;
using Dapper;
using MassTransit;

namespace Alert.Hub.Amqp;

/// <summary>
/// Puts each accepted revision on the notice exchange, one message per municipality or ward. Its queue is shared by
/// every hub (competing consumers), and the message is acknowledged only after the broker confirmed every publish,
/// so nothing is lost; a redelivered NoticeAccepted publishes again, and receivers drop repeats by message id. A revision
/// that a newer one has replaced by the time it is handled is not published.
/// </summary>
public sealed class NoticeExchangeConsumer(Db db, NoticeExchange exchange, HubMetrics metrics) : IConsumer<NoticeAccepted>
{
    public async Task Consume(ConsumeContext<NoticeAccepted> context)
    {
        var notice = context.Message;
        await using var connection = await db.OpenAsync(context.CancellationToken);
        var (cap, current) = await connection.QuerySingleAsync<(byte[], int)>("""
            SELECT n.cap_body, d.current_revision FROM notices n JOIN documents d ON d.id = n.document_id
            WHERE n.document_id = @DocumentId AND n.revision = @Revision
            """, notice);
        // A newer revision has been stored: it goes out (or went) in its own right, carrying the whole notice as it now
        // stands. This one, handled late (sent again by the sweep, or requeued from the error queue after a broker
        // fault), would put withdrawn or replaced content on the exchange after it, on queues bound since with nothing behind it.
        if (current > notice.Revision) return;
        // Filed under what it withdraws, so queues bound to that category hear of the cancel.
        var described = await NoticeStore.DescribingCapAsync(connection, notice.DocumentId, notice.Revision, notice.MsgType, cap);
        var category = StoredCaps.Read(described)?.MainInfo is { } info ? NoticeCap.Category(info) : "other";

        var parts = await NoticeStore.PartsSoFarAsync(connection, notice.DocumentId, notice.Revision, notice.PartCodes);

        List<ExchangeMessage> messages = [.. NoticeExchange.Messages(notice.DocumentId, notice.Revision, notice.MsgType, notice.Status, category, parts, cap)];
        await exchange.PublishAsync(messages, context.CancellationToken);
        metrics.Exchanged.Add(messages.Count);
    }
}

public sealed class NoticeExchangeConsumerDefinition : ConsumerDefinition<NoticeExchangeConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<NoticeExchangeConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // A refused or unconfirmed publish: the broker may be restarting.
        endpointConfigurator.RetryForMinutes();
        endpointConfigurator.Limit(8);
    }
}
