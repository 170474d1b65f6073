using Alert.Core.Codes;
using Alert.Hub.Messaging;
using RabbitMQ.Client;

namespace Alert.Hub.Amqp;

/// <summary>One message for the exchange: a revision's CAP document for one municipality or ward it concerns.</summary>
public sealed record ExchangeMessage(string RoutingKey, string MessageId, string DocumentId, int Revision, string MsgType,
    string Status, string Category, string Area, ReadOnlyMemory<byte> Cap);

/// <summary>
/// The durable topic exchange large receivers bind their own queues to, on the RabbitMQ the hub runs on. It has a
/// connection of its own (MassTransit's is not meant for foreign exchanges and raw bodies) and one channel with
/// publisher confirms, on which publishes may run concurrently: each waits for its broker's ack.
/// </summary>
public sealed partial class NoticeExchange(IConfiguration configuration, ILogger<NoticeExchange> logger) : IHostedService, IAsyncDisposable
{
    public const string Name = "alert.notices";
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _opening = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>
    /// <c>{mode}.{prefecture}.{municipality}.{category}</c>: the CAP status in lower case, the two-digit prefecture,
    /// the five-digit code of the municipality or ward (no check digit: the prefecture is its first two digits), the
    /// hub category.
    /// </summary>
    public static string RoutingKey(string status, string partCode, string category) =>
        $"{status.ToLowerInvariant()}.{partCode[..2]}.{partCode}.{category}";

    public static IEnumerable<ExchangeMessage> Messages(string documentId, int revision, string msgType, string status, string category,
        IEnumerable<string> partCodes, ReadOnlyMemory<byte> cap) =>
        partCodes.Order(StringComparer.Ordinal).Select(part => new ExchangeMessage(RoutingKey(status, part, category),
            $"{documentId}.{revision}.{part}", documentId, revision, msgType, status, category,
            LocalGovernmentCode.Parse(part).WithCheckDigit, cap));

    /// <summary>Declares the exchange at start, so receivers can bind before the first notice.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var delay = TimeSpan.FromMilliseconds(250); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            try
            {
                await ChannelAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // As the bus does, start waits for the broker rather than failing.
                LogDeclareFailed(logger, ex, Name, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Publishes every message persistent and returns once the broker has confirmed them all; throws on a nack or a lost connection.</summary>
    public async Task PublishAsync(IReadOnlyList<ExchangeMessage> messages, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConfirmTimeout);
        var channel = await ChannelAsync(timeout.Token);
        var publishes = messages.Select(m => channel.BasicPublishAsync(Name, m.RoutingKey, mandatory: false, Properties(m), m.Cap, timeout.Token).AsTask());
        try
        {
            await Task.WhenAll(publishes);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // A timeout, not a stop: said as such so the consumer's retry takes it.
            throw new TimeoutException($"RabbitMQ did not confirm the notice's messages within {ConfirmTimeout.TotalSeconds} s");
        }
    }

    private static BasicProperties Properties(ExchangeMessage m) => new()
    {
        MessageId = m.MessageId,
        ContentType = "application/cap+xml",
        DeliveryMode = DeliveryModes.Persistent,
        Type = m.MsgType,
        CorrelationId = m.DocumentId,
        AppId = "alert-hub",
        Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
        Headers = new Dictionary<string, object?>
        {
            ["alert-document"] = m.DocumentId,
            ["alert-revision"] = m.Revision,
            ["alert-msg-type"] = m.MsgType,
            ["alert-status"] = m.Status,
            ["alert-category"] = m.Category,
            ["alert-area"] = m.Area,
        },
    };

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        if (_channel is { IsOpen: true } open) return open;
        await _opening.WaitAsync(ct);
        try
        {
            if (_channel is { IsOpen: true } opened) return opened;
            // A channel closes for good on a channel error; the connection recovers by itself from a network one.
            if (_channel is not null) await _channel.DisposeAsync();
            _channel = null;
            if (_connection is not { IsOpen: true })
            {
                if (_connection is not null) await _connection.DisposeAsync();
                _connection = null;
                _connection = await RabbitMqNodes.From(configuration).ConnectAsync("alert-hub notice exchange", ct);
            }
            var channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            await channel.ExchangeDeclareAsync(Name, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: ct);
            return _channel = channel;
        }
        finally
        {
            _opening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        _opening.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not declare the {Exchange} exchange; trying again in {DelayMs} ms")]
    private static partial void LogDeclareFailed(ILogger logger, Exception ex, string exchange, double delayMs);
}
