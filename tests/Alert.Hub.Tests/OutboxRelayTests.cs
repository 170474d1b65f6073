using System.Reflection;
using System.Text.Json;
using Alert.Hub;
using Alert.Hub.Delivery;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shouldly;

namespace Alert.Hub.Tests;

/// <summary>
/// The outbox relay and the retry scheduler on their own, over a database of their own, with a bus that refuses what
/// it is given at first.
/// </summary>
public sealed class OutboxRelayTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("alert-relay-").FullName;

    [Fact]
    public async Task A_publish_the_broker_refuses_is_tried_again_and_the_relay_goes_on()
    {
        var (db, options, connection, message) = await OneRowAsync("refused-at-first");
        await using var _ = connection;

        // What a quorum queue's leader lost under a publisher confirm looks like from the client: not a MassTransit
        // exception, not a timeout. Before, it ended the relay and stopped the host.
        var bus = RefusingBus.Create(refusals: 2, () => new RabbitMQ.Client.Exceptions.PublishException(1, isReturn: false));
        using var relay = new OutboxRelay(db, new Outbox(), bus, options, NullLogger<OutboxRelay>.Instance);
        await relay.StartAsync(CancellationToken.None);

        await HubFixture.Eventually(async () => await connection.ExecuteScalarAsync<DateTimeOffset?>(
            "SELECT sent_at FROM outbox WHERE document_id = @DocumentId", new { message.DocumentId }) is not null, "the row published after two refusals");
        var refusing = (RefusingBus)(object)bus;
        refusing.Attempts.ShouldBe(3);
        refusing.Published.Cast<NoticeAccepted>().Single().DocumentId.ShouldBe(message.DocumentId);
        relay.ExecuteTask!.IsCompleted.ShouldBeFalse("the relay is still running");
        await relay.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_publish_that_never_hears_back_is_given_up_and_the_row_goes_again()
    {
        var (db, options, connection, message) = await OneRowAsync("unconfirmed-at-first");

        // What a publish caught by a broker restart looked like: no confirm, no error, deaf to cancellation.
        var bus = RefusingBus.Create(refusals: 1, refusal: null);
        using var relay = new OutboxRelay(db, new Outbox(), bus, options, NullLogger<OutboxRelay>.Instance) { PublishTimeout = TimeSpan.FromMilliseconds(300) };
        await relay.StartAsync(CancellationToken.None);

        await HubFixture.Eventually(async () => await connection.ExecuteScalarAsync<DateTimeOffset?>(
            "SELECT sent_at FROM outbox WHERE document_id = @DocumentId", new { message.DocumentId }) is not null, "the row published after a publish that hung");
        var refusing = (RefusingBus)(object)bus;
        refusing.Attempts.ShouldBe(2);
        refusing.Published.Cast<NoticeAccepted>().Single().DocumentId.ShouldBe(message.DocumentId);
        await relay.StopAsync(CancellationToken.None);
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task A_retry_whose_message_the_broker_refuses_is_due_again_at_once_not_after_its_lease()
    {
        var (db, _) = await DatabaseAsync();
        await using var connection = await db.OpenAsync();
        // The row alone: its notice and subscriber do not matter to the scheduler.
        await connection.ExecuteAsync("PRAGMA foreign_keys = OFF");
        await connection.ExecuteAsync("""
            INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at, next_attempt_at)
            VALUES ('retried', 1, 'receiver', 'retrying', 1, @now, @now, @now)
            """, new { now = DateTimeOffset.UtcNow });

        // A broker node lost under the publish. Before, the row stayed leased to the message that did not go, and
        // waited out the lease (two minutes) before it was sent again.
        var bus = RefusingBus.Create(refusals: 1, () => new RabbitMQ.Client.Exceptions.PublishException(1, isReturn: false));
        using var scheduler = new RetryScheduler(db, bus, NullLogger<RetryScheduler>.Instance);
        await scheduler.StartAsync(CancellationToken.None);

        var refusing = (RefusingBus)(object)bus;
        await HubFixture.Eventually(() => Task.FromResult(refusing.Published.Count > 0), "the retry sent again after the refusal", TimeSpan.FromSeconds(30));
        await scheduler.StopAsync(CancellationToken.None);
        var sent = refusing.Published.Cast<DeliverNotice>().Single();
        sent.SubscriberIds.ShouldBe(["receiver"]);
        (await connection.ExecuteScalarAsync<DateTimeOffset>("SELECT next_attempt_at FROM deliveries WHERE document_id = 'retried'"))
            .ShouldBe(sent.Lease!.Value, "the row is leased to the message that went");
    }

    private async Task<(Db, IOptions<HubOptions>)> DatabaseAsync()
    {
        var options = Options.Create(new HubOptions { Database = DatabaseKind.Sqlite, DataDirectory = "." });
        var db = new Db(options, new ConfigurationBuilder().Build(), new HostingEnvironment { ContentRootPath = _directory });
        await new Migrator(db, NullLogger<Migrator>.Instance).StartAsync(CancellationToken.None);
        return (db, options);
    }

    private async Task<(Db, IOptions<HubOptions>, System.Data.Common.DbConnection, NoticeAccepted)> OneRowAsync(string documentId)
    {
        var (db, options) = await DatabaseAsync();
        var connection = await db.OpenAsync();
        var message = new NoticeAccepted(documentId, 1, "Actual", "Alert", ["131016"]);
        await connection.ExecuteAsync("""
            INSERT INTO outbox (document_id, revision, message_type, payload, created_at)
            VALUES (@DocumentId, @Revision, 'NoticeAccepted', @payload, @now)
            """, new { message.DocumentId, message.Revision, payload = JsonSerializer.Serialize(message), now = DateTimeOffset.UtcNow });
        return (db, options, connection, message);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>
    /// An <see cref="IBus"/> whose publishes fail a given number of times (with the refusal given, or by never
    /// finishing when none is), then succeed; nothing else is used.
    /// </summary>
    public class RefusingBus : DispatchProxy
    {
        private int _refusals;
        private Func<Exception>? _refusal;
        private int _attempts;
        public int Attempts => Volatile.Read(ref _attempts);
        public List<object> Published { get; } = [];

        public static IBus Create(int refusals, Func<Exception>? refusal)
        {
            var bus = DispatchProxy.Create<IBus, RefusingBus>();
            var proxy = (RefusingBus)(object)bus;
            proxy._refusals = refusals;
            proxy._refusal = refusal;
            return bus;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IPublishEndpoint.Publish)) throw new NotSupportedException(targetMethod?.Name);
            if (Interlocked.Increment(ref _attempts) <= _refusals)
                return _refusal is null ? new TaskCompletionSource().Task : Task.FromException(_refusal());
            lock (Published) Published.Add(args![0]!);
            return Task.CompletedTask;
        }
    }
}
