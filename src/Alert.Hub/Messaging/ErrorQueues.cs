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
        foreach (var queue in Queues) counts[queue] = await CountAsync(connection, queue + "_error", ct);
        return counts;
    }

    /// <summary>Moves what each <c>_error</c> queue holds now back to its queue; returns how many per queue.</summary>
    public async Task<Dictionary<string, int>> RequeueAsync(CancellationToken ct)
    {
        var moved = new Dictionary<string, int>();
        if (!Apply) return moved;
        await using var connection = await RabbitMqNodes.From(configuration).ConnectAsync("alert-hub error queues", ct);
        foreach (var queue in Queues)
        {
            // Only what is there now: a message that fails again meanwhile comes back to the error queue, not round again.
            var waiting = await CountAsync(connection, queue + "_error", ct);
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

    private static async Task<uint> CountAsync(IConnection connection, string queue, CancellationToken ct)
    {
        // A passive declare of a missing queue closes its channel: one channel per look.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, ct)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
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
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or IOException or TimeoutException)
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
