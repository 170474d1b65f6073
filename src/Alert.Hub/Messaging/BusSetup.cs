using Alert.Hub.Amqp;
using Alert.Hub.Delivery;
using MassTransit;

namespace Alert.Hub.Messaging;

public static class BusSetup
{
    /// <summary>The same consumers on either transport: in-memory for the embedded default, RabbitMQ for real deployments.</summary>
    public static IServiceCollection AddHubBus(this IServiceCollection services, HubOptions options, IConfiguration configuration)
    {
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            // Readiness means the bus is connected: the server does not answer before that.
            o.WaitUntilStarted = true;
            o.StopTimeout = TimeSpan.FromSeconds(30);
            // On shutdown a delivery waiting between retries is cut short rather than holding the stop for a minute:
            // RabbitMQ gets the message back unacknowledged, and the in-memory bus's work is resumed from the database.
            o.ConsumerStopTimeout = TimeSpan.FromSeconds(3);
        });

        // Declared before the bus starts, so the exchange is there for the first notice and for receivers to bind.
        if (options.Transport == Transport.RabbitMq) services.AddSingleton<NoticeExchange>().AddHostedService(sp => sp.GetRequiredService<NoticeExchange>());

        return services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.AddConsumer<FanOutConsumer, FanOutConsumerDefinition>();
            x.AddConsumer<WebhookConsumer, WebhookConsumerDefinition>();

            if (options.Transport == Transport.RabbitMq)
            {
                var rabbit = RabbitMqNodes.From(configuration);
                // The notice exchange for large receivers exists only on RabbitMQ; the in-memory bus has no such thing.
                x.AddConsumer<NoticeExchangeConsumer, NoticeExchangeConsumerDefinition>();
                // Quorum queues are replicated and survive a node's loss; classic mirrored queues are deprecated.
                x.AddConfigureEndpointsCallback((_, _, cfg) =>
                {
                    if (cfg is IRabbitMqReceiveEndpointConfigurator queue) queue.SetQuorumQueue();
                });
                x.UsingRabbitMq((context, cfg) =>
                {
                    var (host, port) = rabbit.Nodes[0];
                    cfg.Host(host, (ushort)port, rabbit.VirtualHost, h =>
                    {
                        if (rabbit.User.Length > 0) h.Username(rabbit.User);
                        if (rabbit.Password.Length > 0) h.Password(rabbit.Password);
                        // A cluster: the bus moves to another node when its own is lost; quorum queues live on all.
                        if (rabbit.Nodes.Count > 1) h.UseCluster(c => { foreach (var (nodeHost, nodePort) in rabbit.Nodes) c.Node($"{nodeHost}:{nodePort}"); });
                    });
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
    }

    /// <summary>
    /// At most <paramref name="concurrent"/> messages of the endpoint at work at once in this hub, and twice that fetched
    /// from the broker: the next is at hand when one finishes, and a hub that is lost held few unacknowledged (they go
    /// back to the queue for the other hubs).
    /// </summary>
    public static void Limit(this IReceiveEndpointConfigurator endpoint, int concurrent)
    {
        endpoint.ConcurrentMessageLimit = concurrent;
        endpoint.PrefetchCount = concurrent * 2;
    }

    /// <summary>
    /// A consumer that fails (the database or the broker away) is tried again 12 times over about twelve minutes before
    /// its message goes to the _error queue: long enough to ride out a restart or a fail-over, where a few seconds of
    /// retries would leave an accepted notice waiting for an operator.
    /// </summary>
    public static void RetryForMinutes(this IReceiveEndpointConfigurator endpoint) =>
        endpoint.UseMessageRetry(r => r.Exponential(12, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1)));
}
