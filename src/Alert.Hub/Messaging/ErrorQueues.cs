using Alert.Hub.Amqp;
using Alert.Hub.Audit;
using Alert.Hub.Auth;
using Alert.Hub.Delivery;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Alert.Hub.Messaging;

/// <summary>
/// A message whose consumer failed through all its retries (the database away for minutes, a bug) is moved by the bus
/// to its queue's <c>_error</c> queue on RabbitMQ, where it waits for an operator: counted in the health output, and
/// moved back by <c>POST /api/v1/admin/errors/requeue</c> (or <c>alert errors --requeue</c>) once the cause is fixed.
/// Every consumer is idempotent, so a message moved back that had partly worked does no harm.
/// The in-memory bus has none to look at: what it held is rebuilt from the database at start (<see cref="InMemoryRecovery"/>).
/// The same looks at the queues give <c>/metrics</c> their depths.
/// </summary>
public sealed class ErrorQueues(IConfiguration configuration, IOptions<HubOptions> options)
{
    /// <summary>The hub's shared queues, named as the bus names them.</summary>
    public static readonly IReadOnlyList<string> Queues =
    [
        KebabCaseEndpointNameFormatter.Instance.Consumer<FanOutConsumer>(),
        KebabCaseEndpointNameFormatter.Instance.Consumer<WebhookConsumer>(),
        KebabCaseEndpointNameFormatter.Instance.Consumer<NoticeExchangeConsumer>(),
    ];

    public bool Apply => options.Value.Transport == Transport.RabbitMq;

    public string Bus => options.Value.Transport.ToString();

    /// <summary>Messages waiting in each queue's <c>_error</c> queue (0 for one never made).</summary>
    public async Task<Dictionary<string, uint>> CountAsync(CancellationToken ct)
    {
        var counts = new Dictionary<string, uint>();
        if (!Apply) return counts;
        await using var connection = await RabbitMqNodes.From(configuration).ConnectAsync("alert-hub error queues", ct);
        foreach (var queue in Queues) counts[queue] = (await PeekAsync(connection, queue + "_error", ct)).Ready;
        return counts;
    }

    /// <summary>
    /// Each queue and its <c>_error</c> queue as the broker has it now: messages ready for a consumer, and consumers
    /// (0 and 0 for one never made). Empty on the in-memory bus. Messages delivered and not yet acknowledged are not
    /// here: AMQP tells only the ready ones, and the management API that knows the rest is a plugin the hub does not need.
    /// </summary>
    public async Task<List<(string Queue, uint Ready, uint Consumers)>> DepthsAsync(CancellationToken ct)
    {
        var depths = new List<(string, uint, uint)>();
        if (!Apply) return depths;
        await using var connection = await RabbitMqNodes.From(configuration).ConnectAsync("alert-hub queue depths", ct);
        foreach (var queue in Queues.SelectMany(q => new[] { q, q + "_error" }))
        {
            var (ready, consumers) = await PeekAsync(connection, queue, ct);
            depths.Add((queue, ready, consumers));
        }
        return depths;
    }

    /// <summary>The broker could not be asked (it is away, or the connection broke): the bus's own check reports that.</summary>
    public static bool Unreachable(Exception ex) => ex is BrokerUnreachableException or OperationInterruptedException or IOException or TimeoutException;

    /// <summary>Moves what each <c>_error</c> queue holds now back to its queue; returns how many per queue.</summary>
    public async Task<Dictionary<string, int>> RequeueAsync(CancellationToken ct)
    {
        var moved = new Dictionary<string, int>();
        if (!Apply) return moved;
        await using var connection = await RabbitMqNodes.From(configuration).ConnectAsync("alert-hub error queues", ct);
        foreach (var queue in Queues)
        {
            // Only what is there now: a message that fails again meanwhile comes back to the error queue, not round again.
            var (waiting, _) = await PeekAsync(connection, queue + "_error", ct);
            if (waiting == 0) continue;
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            var count = 0;
            for (; count < waiting; count++)
            {
                if (await channel.BasicGetAsync(queue + "_error", autoAck: false, ct) is not { } message) break;
                // Confirmed on the queue before it leaves the error queue: a failure between the two repeats it, never loses it.
                await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties(message.BasicProperties), message.Body, ct);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, ct);
            }
            moved[queue] = count;
        }
        return moved;
    }

    private static async Task<(uint Ready, uint Consumers)> PeekAsync(IConnection connection, string queue, CancellationToken ct)
    {
        // A passive declare of a missing queue closes its channel: one channel per look.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue, ct);
            return (declared.MessageCount, declared.ConsumerCount);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return (0, 0);
        }
    }

    /// <summary>Degraded (still ready: intake works) while messages wait in an error queue, so monitoring sees them.</summary>
    public sealed class Check(ErrorQueues errors) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (!errors.Apply) return HealthCheckResult.Healthy("in-memory bus: no error queues");
            try
            {
                var counts = await errors.CountAsync(cancellationToken);
                var text = string.Join(", ", counts.Select(c => $"{c.Key}_error {c.Value}"));
                return counts.Values.Any(c => c > 0)
                    ? HealthCheckResult.Degraded($"messages wait in error queues: {text}", data: counts.ToDictionary(c => c.Key, c => (object)c.Value))
                    : HealthCheckResult.Healthy(text);
            }
            catch (Exception ex) when (Unreachable(ex))
            {
                // The bus's own check says whether the broker is there; intake does not need it (the outbox waits).
                return HealthCheckResult.Degraded($"could not count the error queues: {ex.Message}");
            }
        }
    }
}

public static class ErrorQueuesApi
{
    public static IEndpointRouteBuilder MapErrorQueues(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/errors").WithTags("Operations").RequireAuthorization(Roles.Admin).AuditChanges();
        group.MapGet("/", async (ErrorQueues errors, CancellationToken ct) =>
            TypedResults.Ok(new { bus = errors.Bus, queues = await errors.CountAsync(ct) }));
        group.MapPost("/requeue", async (ErrorQueues errors, CancellationToken ct) =>
            TypedResults.Ok(new { bus = errors.Bus, moved = await errors.RequeueAsync(ct) }));
        return app;
    }
}
