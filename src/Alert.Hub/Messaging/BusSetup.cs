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
                var uri = new Uri(configuration.GetConnectionString("RabbitMq")
                    ?? throw new InvalidOperationException("Alert:Transport is RabbitMq but ConnectionStrings:RabbitMq is not set"));
                // The notice exchange for large receivers exists only on RabbitMQ; the in-memory bus has no such thing.
                x.AddConsumer<NoticeExchangeConsumer, NoticeExchangeConsumerDefinition>();
                // Quorum queues are replicated and survive a node's loss; classic mirrored queues are deprecated.
                x.AddConfigureEndpointsCallback((_, _, cfg) =>
                {
                    if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.SetQuorumQueue();
                });
                x.UsingRabbitMq((context, cfg) =>
                {
                    var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
                    var password = uri.UserInfo.Contains(':', StringComparison.Ordinal) ? Uri.UnescapeDataString(uri.UserInfo.Split(':', 2)[1]) : "";
                    var vhost = uri.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(uri.AbsolutePath[1..]) : "/";
                    cfg.Host(uri.Host, (ushort)(uri.IsDefaultPort ? 5672 : uri.Port), vhost, h =>
                    {
                        if (user.Length > 0) h.Username(user);
                        if (password.Length > 0) h.Password(password);
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
}
