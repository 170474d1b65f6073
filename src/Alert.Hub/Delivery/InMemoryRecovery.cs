using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Delivery;

/// <summary>
/// The in-memory bus forgets its messages when the process stops; the database does not. At start, with that bus,
/// whatever was accepted but not yet fanned out goes back to the outbox, and every delivery still pending, retrying or
/// being sent is made due now (the messages its row was leased to were lost with the bus), for the retry scheduler to send.
/// RabbitMQ keeps its messages in durable queues, so this is not needed there.
/// </summary>
public sealed partial class InMemoryRecovery(Db db, Outbox outbox, IOptions<HubOptions> options, ILogger<InMemoryRecovery> logger) : IHostedService
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
        var unfinished = await connection.ExecuteAsync("""
            UPDATE deliveries SET next_attempt_at = @now, state = CASE WHEN state = 'sending' THEN 'retrying' ELSE state END
            WHERE state IN ('pending', 'retrying', 'sending') AND (next_attempt_at IS NULL OR next_attempt_at > @now)
            """, new { now = DateTimeOffset.UtcNow });
        if (republished > 0) outbox.Notify();
        if (republished + unfinished > 0) LogRecovered(logger, republished, unfinished);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resumed after a stop: {Notices} notices to fan out again, {Deliveries} deliveries to send again")]
    private static partial void LogRecovered(ILogger logger, int notices, int deliveries);
}
