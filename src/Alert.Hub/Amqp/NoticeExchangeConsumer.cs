using Alert.Core.Cap;
using Alert.Core.Notices;
using Alert.Hub.Intake;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using MassTransit;

namespace Alert.Hub.Amqp;

/// <summary>
/// Puts each accepted revision on the notice exchange, one message per municipality or ward. Its queue is shared by
/// every hub (competing consumers), and the message is acknowledged only after the broker confirmed every publish,
/// so nothing is lost; a redelivered NoticeAccepted publishes again, and receivers drop repeats by message id.
/// </summary>
public sealed class NoticeExchangeConsumer(Db db, NoticeExchange exchange) : IConsumer<NoticeAccepted>
{
    public async Task Consume(ConsumeContext<NoticeAccepted> context)
    {
        var notice = context.Message;
        await using var connection = await db.OpenAsync(context.CancellationToken);
        var revisions = (await connection.QueryAsync<(int Revision, byte[] CapBody)>(
            "SELECT revision, cap_body FROM notices WHERE document_id = @DocumentId AND revision IN (@Revision, @Revision - 1)",
            notice)).ToDictionary(r => r.Revision);
        var cap = revisions[notice.Revision].CapBody;
        // Filed under what it withdraws, so queues bound to that category hear of the cancel.
        var described = notice.MsgType == "Cancel" && revisions.TryGetValue(notice.Revision - 1, out var before) ? before.CapBody : cap;
        var infos = CapReader.Read(new MemoryStream(described)).Alert?.Infos;
        var category = infos is { Count: > 0 } ? NoticeCap.Category(infos[0]) : "other";

        var parts = await NoticeStore.PartsSoFarAsync(connection, notice.DocumentId, notice.Revision, notice.PartCodes);

        await exchange.PublishAsync(
            [.. NoticeExchange.Messages(notice.DocumentId, notice.Revision, notice.MsgType, notice.Status, category, parts, cap)],
            context.CancellationToken);
    }
}

public sealed class NoticeExchangeConsumerDefinition : ConsumerDefinition<NoticeExchangeConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<NoticeExchangeConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // A refused or unconfirmed publish is tried again for about twelve minutes (the broker may be restarting), then the message waits in _error.
        endpointConfigurator.UseMessageRetry(r => r.Exponential(12, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1)));
        endpointConfigurator.ConcurrentMessageLimit = 8;
    }
}
