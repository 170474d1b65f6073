using System.Net.Http.Headers;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using MassTransit;

namespace Alert.Hub.Delivery;

/// <summary>
/// POSTs one revision's CAP XML to one webhook subscriber and records what happened. A revision that a newer one
/// has replaced is dropped instead of sent, so a receiver never gets an older revision after a newer one from here.
/// </summary>
public sealed class WebhookConsumer(Db db, IHttpClientFactory httpClients) : IConsumer<DeliverNotice>
{
    public const string HttpClientName = "webhooks";

    public async Task Consume(ConsumeContext<DeliverNotice> context)
    {
        var delivery = context.Message;
        await using var connection = await db.OpenAsync(context.CancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string State, string Url, byte[] CapBody, int CurrentRevision)>("""
            SELECT d.state, s.url, n.cap_body, doc.current_revision
            FROM deliveries d
            JOIN subscribers s ON s.id = d.subscriber_id
            JOIN notices n ON n.document_id = d.document_id AND n.revision = d.revision
            JOIN documents doc ON doc.id = d.document_id
            WHERE d.document_id = @DocumentId AND d.revision = @Revision AND d.subscriber_id = @SubscriberId
            """, delivery);
        if (row.State is null or "delivered" or "superseded") return; // subscriber removed, or already done

        if (row.CurrentRevision > delivery.Revision)
        {
            await SetStateAsync(connection, delivery, "superseded", null);
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, row.Url)
        {
            // The body as the issuer sent it, byte for byte: its XML declaration names the encoding, a signature stays valid.
            Content = new ByteArrayContent(row.CapBody) { Headers = { ContentType = new MediaTypeHeaderValue("application/cap+xml") } },
        };
        request.Headers.Add("Idempotency-Key", delivery.IdempotencyKey);
        request.Headers.Add("X-Alert-Document", delivery.DocumentId);
        request.Headers.Add("X-Alert-Revision", delivery.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));

        string? error;
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, context.CancellationToken);
            error = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            error = ex is TaskCanceledException ? "timed out" : ex.Message;
        }

        if (error is null)
        {
            await SetStateAsync(connection, delivery, "delivered", null);
            return;
        }

        await SetStateAsync(connection, delivery, "retrying", error);
        throw new WebhookFailedException($"webhook {delivery.IdempotencyKey}: {error}");
    }

    internal static Task SetStateAsync(System.Data.Common.DbConnection connection, DeliverNotice delivery, string state, string? error) =>
        connection.ExecuteAsync("""
            UPDATE deliveries
            SET state = @state, last_error = @error, updated_at = @now,
                attempts = attempts + CASE WHEN @state IN ('delivered', 'retrying') THEN 1 ELSE 0 END,
                delivered_at = CASE WHEN @state = 'delivered' THEN @now ELSE delivered_at END
            WHERE document_id = @DocumentId AND revision = @Revision AND subscriber_id = @SubscriberId AND state <> 'delivered'
            """, new { state, error, now = DateTimeOffset.UtcNow, delivery.DocumentId, delivery.Revision, delivery.SubscriberId });
}

public sealed class WebhookFailedException(string message) : Exception(message);

public sealed class WebhookConsumerDefinition : ConsumerDefinition<WebhookConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<WebhookConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Backoff with jitter for a receiver that is down; after the last try the delivery is marked failed.
        endpointConfigurator.UseMessageRetry(r => r.Exponential(6, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1)));
        // One slow receiver must not hold up the others: many deliveries run at once.
        endpointConfigurator.ConcurrentMessageLimit = 32;
    }
}

/// <summary>Marks a delivery failed once its retries are spent (MassTransit publishes the fault).</summary>
public sealed class WebhookFaultConsumer(Db db) : IConsumer<Fault<DeliverNotice>>
{
    public async Task Consume(ConsumeContext<Fault<DeliverNotice>> context)
    {
        // A delivery cut short by a shutdown has not failed: it stays retrying and is resumed.
        if (context.Message.Exceptions.Any(e => e.ExceptionType.Contains("Canceled", StringComparison.Ordinal))) return;
        await using var connection = await db.OpenAsync(context.CancellationToken);
        var error = context.Message.Exceptions.FirstOrDefault()?.Message;
        await WebhookConsumer.SetStateAsync(connection, context.Message.Message, "failed", error);
    }
}
