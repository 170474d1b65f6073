using System.Diagnostics;
using System.Text.Json;
using Alert.Hub.Metrics;
using Alert.Hub.Storage;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Messaging;

/// <summary>
/// The transactional outbox: a message is written in the same transaction as the notice it speaks of, so a
/// stored notice is always published, even if the broker is down at that moment or the hub dies after the commit.
/// </summary>
public sealed class Outbox : IDisposable
{
    private readonly SemaphoreSlim _pending = new(0);

    /// <summary>
    /// The statements that append <paramref name="message"/> (its arguments added to <paramref name="args"/>, named with
    /// <paramref name="suffix"/> where one command appends several), to be sent in the caller's command and transaction
    /// with its other writes: one round trip fewer while the logs' lock is held, which every other intake waits behind.
    /// The caller's transaction holds that lock (<see cref="Db.LockLogs"/>) before its first write.
    /// </summary>
    public static string Append(DynamicParameters args, NoticeAccepted message, Activity? trace, string suffix = "")
    {
        // Streams and the index of notices in force read rows past the last id they saw: ids must become visible in
        // order, or a reader would skip a lower one committed late. Hence the logs' lock.
        // The request's trace goes with the row: the relay publishes under it later (see OutboxRelay.PublishBatchAsync).
        var w3c = trace is { IdFormat: ActivityIdFormat.W3C } ? trace : null;
        args.Add("outboxDocument" + suffix, message.DocumentId);
        args.Add("outboxRevision" + suffix, message.Revision);
        args.Add("outboxType" + suffix, nameof(NoticeAccepted));
        args.Add("outboxPayload" + suffix, JsonSerializer.Serialize(message));
        args.Add("outboxAt" + suffix, DateTimeOffset.UtcNow);
        args.Add("outboxTraceParent" + suffix, w3c?.Id);
        args.Add("outboxTraceState" + suffix, w3c?.TraceStateString);
        return $"""
            INSERT INTO outbox (document_id, revision, message_type, payload, created_at, trace_parent, trace_state)
            VALUES (@outboxDocument{suffix}, @outboxRevision{suffix}, @outboxType{suffix}, @outboxPayload{suffix}, @outboxAt{suffix},
                    @outboxTraceParent{suffix}, @outboxTraceState{suffix});

            """;
    }

    /// <summary>Wakes the relay after a commit so publishing does not wait for the next poll.</summary>
    public void Notify()
    {
        if (_pending.CurrentCount == 0) _pending.Release();
    }

    internal Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _pending.WaitAsync(timeout, ct);

    public void Dispose() => _pending.Dispose();
}

/// <summary>
/// Publishes unsent outbox rows and marks them sent. A batch's publishes wait for their broker confirms together (one
/// at a time, a confirm's few milliseconds capped the relay at a few hundred messages a second), except that revisions
/// of a document leave in order: a document's next row is published only once its earlier one was confirmed.
/// </summary>
public sealed partial class OutboxRelay(Db db, Outbox outbox, IBus bus, IOptions<HubOptions> options, ILogger<OutboxRelay> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    // A publish caught by the broker going away can wait for a confirm that never comes, deaf even to the host
    // stopping: after a broker restart the relay once sat on one for good, every later row unsent. A confirm takes
    // milliseconds; past this the publish is given up and its row, still unsent, goes again (consumers are idempotent).
    internal TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(10);
    private DateTimeOffset _pruned = DateTimeOffset.MinValue;
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);
    private DateTimeOffset _swept = DateTimeOffset.MinValue;

    /// <summary>How long after its message was sent a notice may still be waiting for its fan-out before it is sent again.</summary>
    internal static readonly TimeSpan FanOutOverdue = TimeSpan.FromMinutes(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var published = await PublishBatchAsync(stoppingToken);
                backoff = TimeSpan.Zero;
                if (published == 0 && DateTimeOffset.UtcNow - _swept > SweepEvery) await SendAgainUnfannedAsync(stoppingToken);
                if (published == 0 && DateTimeOffset.UtcNow - _pruned > PruneEvery) await PruneAsync(stoppingToken);
                if (published == 0) await outbox.WaitAsync(Poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Database or broker away, or a publish refused (a quorum queue's leader lost under a confirm raises the
                // client's own PublishException): rows stay unsent and are published when it is back. Whatever the
                // failure, the relay must not end, or the host stops with it and nothing accepted leaves again.
                backoff = TimeSpan.FromMilliseconds(Math.Min(10_000, Math.Max(250, backoff.TotalMilliseconds * 2)));
                LogRelayFailed(logger, ex, backoff.TotalMilliseconds);
                await Task.Delay(backoff, stoppingToken);
            }
        }
    }

    internal async Task<int> PublishBatchAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var rows = (await connection.QueryAsync<(long Id, string DocumentId, string MessageType, string Payload, string? TraceParent, string? TraceState)>(
            "SELECT id, document_id, message_type, payload, trace_parent, trace_state FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100")).ToList();
        // Waves in id order: a row goes in the wave numbered by how many rows of its document the batch held up to it,
        // so a wave holds each document once at most, and the next wave starts when every publish of this one is done.
        var turns = new Dictionary<string, int>();
        var waves = rows.GroupBy(row => turns[row.DocumentId] = turns.GetValueOrDefault(row.DocumentId) + 1);
        var sent = new List<long>();
        try
        {
            foreach (var wave in waves)
                await Task.WhenAll(wave.Select(async row =>
                {
                    await PublishAsync(row.MessageType, row.Payload, row.TraceParent, row.TraceState, ct);
                    lock (sent) sent.Add(row.Id);
                }));
        }
        finally
        {
            // Only rows whose publish was confirmed, also when another's failed: the rest is published again after the backoff.
            if (sent.Count > 0)
                await connection.ExecuteAsync($"UPDATE outbox SET sent_at = @now WHERE {db.AnyOf("id", "sent")}",
                    new { now = DateTimeOffset.UtcNow, sent = sent.ToArray() });
        }
        return rows.Count;
    }

    private async Task PublishAsync(string messageType, string payload, string? traceParent, string? traceState, CancellationToken ct)
    {
        var message = messageType switch
        {
            nameof(NoticeAccepted) => JsonSerializer.Deserialize<NoticeAccepted>(payload)!,
            _ => throw new InvalidOperationException($"unknown outbox message type {messageType}"),
        };
        // A child of the request that wrote the row: MassTransit's publish, the consumers and their POSTs follow it
        // there, rather than each row starting a trace of its own in this background service. Each row's publish runs
        // in a flow of its own (its own async method), so its activity is not the parent of another row's.
        using var activity = ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent)
            ? HubTracing.Source.StartActivity("outbox publish", ActivityKind.Internal, parent)
            : null;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        giveUp.CancelAfter(PublishTimeout);
        await bus.Publish(message, giveUp.Token).WaitAsync(PublishTimeout, ct);
    }

    /// <summary>
    /// The safety net under the fan-out's retries: a notice whose message was sent long ago and is still not fanned out
    /// (its message went to the error queue after the database was away for longer than the retries last, or was lost
    /// with a broker) gets its message sent again. The fan-out is idempotent, so a late original does no harm.
    /// </summary>
    internal async Task<int> SendAgainUnfannedAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var again = await connection.ExecuteAsync("""
            UPDATE outbox SET sent_at = NULL
            WHERE sent_at < @overdue AND message_type = 'NoticeAccepted' AND EXISTS (
                SELECT 1 FROM notices n WHERE n.document_id = outbox.document_id AND n.revision = outbox.revision AND n.fanned_out_at IS NULL)
            """, new { overdue = DateTimeOffset.UtcNow - FanOutOverdue });
        _swept = DateTimeOffset.UtcNow;
        if (again > 0) LogSentAgain(logger, again);
        return again;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} notices were still not fanned out long after their message was sent; sending it again")]
    private static partial void LogSentAgain(ILogger logger, int count);

    /// <summary>
    /// Deletes the oldest rows, all sent before the retention began, a few thousand at a time so no statement holds the
    /// table long: a prefix of the log, up to the first row still unsent or recent (unsent rows are never deleted), and
    /// the horizon moves to its end.
    /// </summary>
    internal async Task<int> PruneAsync(CancellationToken ct)
    {
        var cutoff = DateTimeOffset.UtcNow - options.Value.OutboxRetention;
        await using var connection = await db.OpenAsync(ct);
        int deleted, total = 0;
        do
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var upTo = await connection.ExecuteScalarAsync<long?>("""
                SELECT MAX(id) FROM (
                    SELECT id FROM outbox
                    WHERE id < COALESCE((SELECT MIN(id) FROM outbox WHERE sent_at IS NULL OR sent_at >= @cutoff), (SELECT MAX(id) + 1 FROM outbox))
                    ORDER BY id LIMIT 5000) oldest
                """, new { cutoff }, tx);
            deleted = upTo is null ? 0 : await connection.ExecuteAsync("DELETE FROM outbox WHERE id <= @upTo", new { upTo }, tx);
            if (upTo is not null)
                await connection.ExecuteAsync("UPDATE outbox_horizon SET pruned_up_to = @upTo WHERE pruned_up_to < @upTo", new { upTo }, tx);
            await tx.CommitAsync(ct);
            total += deleted;
        } while (deleted == 5000 && !ct.IsCancellationRequested);
        _pruned = DateTimeOffset.UtcNow;
        if (total > 0) LogPruned(logger, total, options.Value.OutboxRetention);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} outbox rows sent more than {Retention} ago")]
    private static partial void LogPruned(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay could not publish; retrying in {DelayMs} ms")]
    private static partial void LogRelayFailed(ILogger logger, Exception ex, double delayMs);
}
