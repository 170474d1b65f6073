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
/// The outbox relay and the retry scheduler on their own, over a database of their own, with a bus that may refuse
/// what it is given at first and may confirm a moment later.
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

    [Fact]
    public async Task Documents_are_published_together_and_each_ones_revisions_one_after_another_in_order()
    {
        var (db, options) = await DatabaseAsync();
        await using var connection = await db.OpenAsync();
        // Five documents of four revisions each, their rows shuffled (a document's k-th row is its revision k): some
        // revisions of a document side by side, some apart.
        string[] documents = ["doc-0", "doc-1", "doc-2", "doc-3", "doc-4"];
        var random = new Random(7);
        var shuffled = documents.SelectMany(d => Enumerable.Repeat(d, 4)).OrderBy(_ => random.Next()).ToList();
        await WriteAsync(connection, [.. shuffled.Select((d, i) => (d, shuffled.Take(i + 1).Count(x => x == d)))]);

        var bus = RefusingBus.Create(refusals: 0, refusal: null, confirmAfter: true);
        using var relay = new OutboxRelay(db, new Outbox(), bus, options, NullLogger<OutboxRelay>.Instance);
        await relay.StartAsync(CancellationToken.None);
        await HubFixture.Eventually(async () => await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0,
            "every row marked sent");
        await relay.StopAsync(CancellationToken.None);

        var observed = (RefusingBus)(object)bus;
        observed.Overlaps.ShouldBeEmpty("no document had two publishes in flight at once");
        foreach (var document in documents)
            observed.Published.Cast<NoticeAccepted>().Where(m => m.DocumentId == document).Select(m => m.Revision)
                .ShouldBe([1, 2, 3, 4], $"{document}'s revisions in order");
        observed.MostInFlight.ShouldBeGreaterThan(1, "publishes of different documents waited for their confirms together");
    }

    [Fact]
    public async Task A_refused_publish_leaves_its_row_unsent_and_the_confirmed_ones_of_its_batch_sent()
    {
        var (db, options) = await DatabaseAsync();
        await using var connection = await db.OpenAsync();
        await WriteAsync(connection, ("a", 1), ("b", 1), ("a", 2), ("b", 2));
        var bus = RefusingBus.Create(refusals: 1, () => new InvalidOperationException("refused"), confirmAfter: true, of: "b");
        using var relay = new OutboxRelay(db, new Outbox(), bus, options, NullLogger<OutboxRelay>.Instance);

        // a.1 and b.1 go out together; b.1 is refused, so the batch stops there and a.2 waits for the next one.
        await Should.ThrowAsync<InvalidOperationException>(() => relay.PublishBatchAsync(CancellationToken.None));
        (await SentAsync(connection)).ShouldBe(["a.1"]);

        (await relay.PublishBatchAsync(CancellationToken.None)).ShouldBe(3);
        (await SentAsync(connection)).ShouldBe(["a.1", "a.2", "b.1", "b.2"]);
        var published = ((RefusingBus)(object)bus).Published.Cast<NoticeAccepted>().ToList();
        published.Where(m => m.DocumentId == "b").Select(m => m.Revision).ShouldBe([1, 2]);
        published.Where(m => m.DocumentId == "a").Select(m => m.Revision).ShouldBe([1, 2]);
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
        return (db, options, connection, (await WriteAsync(connection, (documentId, 1))).Single());
    }

    /// <summary>Writes outbox rows, in the order given, as intake would have.</summary>
    private static async Task<List<NoticeAccepted>> WriteAsync(System.Data.Common.DbConnection connection, params (string Document, int Revision)[] rows)
    {
        var messages = rows.Select(r => new NoticeAccepted(r.Document, r.Revision, "Actual", r.Revision == 1 ? "Alert" : "Update", ["131016"])).ToList();
        foreach (var message in messages)
            await connection.ExecuteAsync("""
                INSERT INTO outbox (document_id, revision, message_type, payload, created_at)
                VALUES (@DocumentId, @Revision, 'NoticeAccepted', @payload, @now)
                """, new { message.DocumentId, message.Revision, payload = JsonSerializer.Serialize(message), now = DateTimeOffset.UtcNow });
        return messages;
    }

    private static async Task<List<string>> SentAsync(System.Data.Common.DbConnection connection) =>
        [.. await connection.QueryAsync<string>("SELECT document_id || '.' || revision FROM outbox WHERE sent_at IS NOT NULL ORDER BY document_id, revision")];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>
    /// An <see cref="IBus"/> whose publishes fail a given number of times (of one document's, or of any; with the refusal
    /// given, or by never finishing when none is), then succeed, at once or, with <c>confirmAfter</c>, a few milliseconds
    /// later as a broker's confirm does. It notes what it confirmed, in order, how many publishes were in flight at once,
    /// and any document published again while its last publish was still in flight. Nothing else is used.
    /// </summary>
    public class RefusingBus : DispatchProxy
    {
        private int _refusals;
        private Func<Exception>? _refusal;
        private bool _confirmAfter;
        private string? _of;
        private int _attempts;
        private readonly HashSet<string> _inFlight = [];
        public int Attempts => Volatile.Read(ref _attempts);
        public List<object> Published { get; } = [];
        public List<string> Overlaps { get; } = [];
        public int MostInFlight { get; private set; }

        public static IBus Create(int refusals, Func<Exception>? refusal, bool confirmAfter = false, string? of = null)
        {
            var bus = DispatchProxy.Create<IBus, RefusingBus>();
            var proxy = (RefusingBus)(object)bus;
            proxy._refusals = refusals;
            proxy._refusal = refusal;
            proxy._confirmAfter = confirmAfter;
            proxy._of = of;
            return bus;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IPublishEndpoint.Publish)) throw new NotSupportedException(targetMethod?.Name);
            Interlocked.Increment(ref _attempts);
            var message = args![0]!;
            var refused = (_of is null || _of == (message as NoticeAccepted)?.DocumentId) && Interlocked.Decrement(ref _refusals) >= 0;
            if (refused && _refusal is null) return new TaskCompletionSource().Task;
            return _confirmAfter ? ConfirmAfterAsync(message, refused) : Confirm(message, refused);
        }

        private Task Confirm(object message, bool refused)
        {
            if (refused) return Task.FromException(_refusal!());
            lock (Published) Published.Add(message);
            return Task.CompletedTask;
        }

        private async Task ConfirmAfterAsync(object message, bool refused)
        {
            var document = (message as NoticeAccepted)?.DocumentId ?? "";
            lock (Published)
            {
                if (!_inFlight.Add(document)) Overlaps.Add(document);
                MostInFlight = Math.Max(MostInFlight, _inFlight.Count);
            }
            // Long enough that a relay which does not wait for one publish's confirm before starting the next has several
            // in flight.
            await Task.Delay(Random.Shared.Next(5, 25));
            lock (Published) _inFlight.Remove(document);
            await Confirm(message, refused);
        }
    }
}
