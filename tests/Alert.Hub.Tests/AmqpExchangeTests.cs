using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Alert.Core.Cap;
using Alert.Hub.Amqp;
using Alert.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alert.Hub.Tests;

/// <summary>
/// The notice exchange as a broadcaster uses it: its own exclusive queues bound by mode, prefecture, municipality and
/// category receive one message per ward, with the CAP body, the dedupe key and the headers, and the cancel after it.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class AmqpExchangeTests(RabbitPostgresHub hub) : IAsyncLifetime
{
    private static readonly string[] Wards = ["43101", "43102", "43103", "43104", "43105"]; // 熊本市's five wards

    private IConnection _connection = null!;
    private IChannel _channel = null!;

    public async Task InitializeAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(RabbitPostgresHub.Required("ALERT_TEST_RABBITMQ")) };
        _connection = await factory.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
    }

    public async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }

    [Fact]
    public async Task Queues_bound_by_mode_area_and_category_get_each_ward_of_a_revision_and_then_its_cancel()
    {
        var prefecture = await BindAsync("actual.43.#");
        var shelters = await BindAsync("*.*.*.shelters");
        var counted = MetricsTests.Value(await MetricsTests.ScrapeAsync(hub), "alert_amqp_messages_total");

        var order = StreamTests.Order("431001"); // 熊本市: the city's five wards
        var id = await IssueAsync(order);
        var issued = await prefecture.WaitForAsync(m => m.Document == id, Wards.Length);
        issued.Select(m => m.RoutingKey).ShouldBe(Wards.Select(w => $"actual.43.{w}.evacuation"), ignoreOrder: true);
        foreach (var m in issued)
        {
            var ward = m.RoutingKey.Split('.')[2];
            m.Properties.MessageId.ShouldBe($"{id}.1.{ward}");
            m.Properties.ContentType.ShouldBe("application/cap+xml");
            m.Properties.DeliveryMode.ShouldBe(DeliveryModes.Persistent);
            m.Properties.Type.ShouldBe("Alert");
            m.Header("alert-revision").ShouldBe(1);
            m.Header("alert-msg-type").ShouldBe("Alert");
            m.Header("alert-status").ShouldBe("Actual");
            m.Header("alert-category").ShouldBe("evacuation");
            m.Header("alert-area").ShouldBe(Alert.Core.Codes.LocalGovernmentCode.Parse(ward).WithCheckDigit);
            CapReader.Read(new MemoryStream(m.Body)).Alert.ShouldNotBeNull().Identifier.ShouldBe(order.Identifier);
        }
        // Counted once the broker confirmed them, which may come just after a queue received them.
        await HubFixture.Eventually(async () => MetricsTests.Value(await MetricsTests.ScrapeAsync(hub), "alert_amqp_messages_total") >= counted + Wards.Length,
            "the exchange's messages counted");

        // The cancel goes to the same keys, filed under the category it withdraws.
        await IssueAsync(StreamTests.Order("431001", category: null, msgType: "Cancel", replaces: order)); // its own CAP has no category
        var cancelled = await prefecture.WaitForAsync(m => m.Document == id && (int)m.Header("alert-revision")! == 2, Wards.Length);
        cancelled.Select(m => m.RoutingKey).ShouldBe(issued.Select(m => m.RoutingKey), ignoreOrder: true);
        cancelled.ShouldAllBe(m => m.Properties.MessageId == $"{id}.2.{m.RoutingKey.Split('.', StringSplitOptions.None)[2]}"
            && (string?)m.Header("alert-msg-type") == "Cancel");
        cancelled.Select(m => CapReader.Read(new MemoryStream(m.Body)).Alert!.MsgType).Distinct().ShouldBe(["Cancel"]);

        var shelter = await IssueAsync(StreamTests.Order("431044", category: "shelters")); // 南区
        (await shelters.WaitForAsync(m => m.Document == shelter, 1)).Single().RoutingKey.ShouldBe("actual.43.43104.shelters");
        (await prefecture.WaitForAsync(m => m.Document == shelter, 1)).Single().Properties.MessageId.ShouldBe($"{shelter}.1.43104");
        var drill = await IssueAsync(StreamTests.Order("431028", category: "shelters", status: "Exercise")); // 東区
        (await shelters.WaitForAsync(m => m.Document == drill, 1)).Single().RoutingKey.ShouldBe("exercise.43.43102.shelters");

        // The evacuation order and its cancel were confirmed before the shelters notice was sent, so had they been
        // routed to the shelters queue, they would have arrived there first.
        shelters.Received.ShouldNotContain(m => m.Document == id);
    }

    [Fact]
    public async Task A_revision_handled_after_a_newer_one_was_stored_is_not_published()
    {
        var queue = await BindAsync("actual.43.43102.*");
        var order = StreamTests.Order("431028"); // 東区
        var id = await IssueAsync(order);
        await queue.WaitForAsync(m => m.Document == id, 1);
        await IssueAsync(StreamTests.Order("431028", category: null, msgType: "Cancel", replaces: order));
        await queue.WaitForAsync(m => m.Document == id, 2);

        // Revision 1's NoticeAccepted again, as the overdue sweep or a requeue from the error queue would send it.
        var bus = hub.Services.GetRequiredService<MassTransit.IBus>();
        var handled = new Handled(id, 1, "notice-exchange");
        using (bus.ConnectConsumeObserver(handled))
        {
            await bus.Publish(new Alert.Hub.Messaging.NoticeAccepted(id, 1, "Actual", "Alert", ["43102"]));
            await handled.Done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        // Whatever that publish put on the queue was confirmed before its message was acknowledged: this marker, sent
        // after, comes behind it.
        await _channel.BasicPublishAsync(NoticeExchange.Name, "actual.43.43102.marker", mandatory: false,
            new BasicProperties { Headers = new Dictionary<string, object?> { ["alert-document"] = "marker" } }, ReadOnlyMemory<byte>.Empty);
        await queue.WaitForAsync(m => m.Document == "marker", 1);

        queue.Received.Where(m => m.Document == id).Select(m => (int)m.Header("alert-revision")!).ShouldBe([1, 2]);
    }

    /// <summary>Completes once the endpoint named has handled a document's revision, whatever it did with it.</summary>
    private sealed class Handled(string documentId, int revision, string endpoint) : MassTransit.IConsumeObserver
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task PreConsume<T>(MassTransit.ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(MassTransit.ConsumeContext<T> context) where T : class
        {
            if (context.Message is Alert.Hub.Messaging.NoticeAccepted n && n.DocumentId == documentId && n.Revision == revision
                && context.ReceiveContext.InputAddress.AbsolutePath.EndsWith("/" + endpoint, StringComparison.Ordinal))
                Done.TrySetResult();
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(MassTransit.ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }

    private async Task<string> IssueAsync(CapAlert alert)
    {
        using var response = await hub.PostCapAsync(alert);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    private async Task<BoundQueue> BindAsync(string bindingKey)
    {
        // The hub declares the exchange at start; passive, so a missing one fails here rather than being made by the test.
        await _channel.ExchangeDeclarePassiveAsync(NoticeExchange.Name);
        var queue = await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await _channel.QueueBindAsync(queue.QueueName, NoticeExchange.Name, bindingKey);
        var bound = new BoundQueue();
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, e) =>
        {
            bound.Add(new Delivery(e.RoutingKey, e.BasicProperties, e.Body.ToArray())); // the body is only lent to the handler
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return bound;
    }

    private sealed record Delivery(string RoutingKey, IReadOnlyBasicProperties Properties, byte[] Body)
    {
        /// <summary>A header as sent: text arrives as bytes, numbers as numbers.</summary>
        public object? Header(string name) => Properties.Headers is { } headers && headers.TryGetValue(name, out var value)
            ? value is byte[] text ? Encoding.UTF8.GetString(text) : value
            : null;

        public string? Document => (string?)Header("alert-document");
    }

    /// <summary>What one queue delivered, read by the test alone.</summary>
    private sealed class BoundQueue
    {
        private readonly Channel<Delivery> _arrivals = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
        private readonly List<Delivery> _received = [];

        public IReadOnlyList<Delivery> Received => _received;

        public void Add(Delivery delivery) => _arrivals.Writer.TryWrite(delivery);

        /// <summary>Every message that matches, once at least <paramref name="count"/> have; fails after 20 s.</summary>
        public async Task<List<Delivery>> WaitForAsync(Func<Delivery, bool> match, int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (_received.Count(match) < count)
            {
                try { _received.Add(await _arrivals.Reader.ReadAsync(timeout.Token)); }
                catch (OperationCanceledException) { throw new TimeoutException($"timed out waiting for {count} messages; got {_received.Count(match)}"); }
            }
            while (_arrivals.Reader.TryRead(out var more)) _received.Add(more);
            return [.. _received.Where(match)];
        }
    }
}

/// <summary>The key grammar and the dedupe key, without a broker.</summary>
public sealed class NoticeExchangeKeyTests
{
    [Fact]
    public void Each_part_gets_its_own_key_and_message_id_with_the_mode_in_lower_case()
    {
        var messages = NoticeExchange.Messages("doc", 2, "Update", "Exercise", "other", ["43104", "01100"], new byte[] { 1 }).ToList();

        messages.Select(m => m.RoutingKey).ShouldBe(["exercise.01.01100.other", "exercise.43.43104.other"]);
        messages.Select(m => m.MessageId).ShouldBe(["doc.2.01100", "doc.2.43104"]);
        messages.Select(m => m.Area).ShouldBe(["011002", "431044"]);
    }
}
