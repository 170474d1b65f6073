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
/// so nothing is lost; a redelivered NoticeAccepted publishes again, and receivers drop repeats by message id.
/// </summary>
public sealed class NoticeExchangeConsumer(Db db, NoticeExchange exchange, HubMetrics metrics) : IConsumer<NoticeAccepted>
{
    public async Task Consume(ConsumeContext<NoticeAccepted> context)
    {
        var notice = context.Message;
        await using var connection = await db.OpenAsync(context.CancellationToken);
        var cap = await connection.QuerySingleAsync<byte[]>(
            "SELECT cap_body FROM notices WHERE document_id = @DocumentId AND revision = @Revision", notice);
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
