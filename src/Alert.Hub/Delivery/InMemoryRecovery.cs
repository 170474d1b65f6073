using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Delivery;

/// <summary>
/// The in-memory bus forgets its messages when the process stops; the database does not. At start, with that bus,
/// whatever was accepted but not yet fanned out goes back to the outbox, every delivery still pending is sent again,
/// and retrying ones are made due now: a retry the scheduler had leased and handed to the bus was lost with it.
/// RabbitMQ keeps its messages in durable queues, so this is not needed there.
/// </summary>
public sealed partial class InMemoryRecovery(Db db, Outbox outbox, IBus bus, IOptions<HubOptions> options, ILogger<InMemoryRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Transport != Transport.InMemory) return;
        await using var connection = await db.OpenAsync(cancellationToken);
        var republished = await connection.ExecuteAsync("""
            UPDATE outbox SET sent_at = NULL
            WHERE sent_at IS NOT NULL AND EXISTS (
                SELECT 1 FROM notices n
                WHERE n.document_id = outbox.document_id AND n.revision = outbox.revision AND n.fanned_out_at IS NULL)
            """);
        var unfinished = (await connection.QueryAsync<(string DocumentId, int Revision, string SubscriberId)>("""
            SELECT document_id, revision, subscriber_id FROM deliveries
            WHERE state = 'pending' ORDER BY document_id, revision
            """)).Select(d => new DeliverNotice(d.DocumentId, d.Revision, d.SubscriberId)).ToList();
        await bus.PublishBatch(unfinished, cancellationToken);
        await connection.ExecuteAsync("UPDATE deliveries SET next_attempt_at = @now WHERE state = 'retrying' AND next_attempt_at > @now",
            new { now = DateTimeOffset.UtcNow });
        if (republished > 0) outbox.Notify();
        if (republished + unfinished.Count > 0) LogRecovered(logger, republished, unfinished.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resumed after a stop: {Notices} notices to fan out again, {Deliveries} deliveries to send again")]
    private static partial void LogRecovered(ILogger logger, int notices, int deliveries);
}
