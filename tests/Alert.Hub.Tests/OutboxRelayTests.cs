using System.Reflection;
using System.Text.Json;
using Alert.Hub;
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

/// <summary>The relay on its own, over a database of its own, with a bus that confirms a moment later and may refuse at first.</summary>
public sealed class OutboxRelayTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("alert-relay-").FullName;
    private readonly IOptions<HubOptions> _options = Options.Create(new HubOptions { Database = DatabaseKind.Sqlite, DataDirectory = "." });

    [Fact]
    public async Task A_publish_the_broker_refuses_is_tried_again_and_the_relay_goes_on()
    {
        var db = await MigratedAsync();
        await using var connection = await db.OpenAsync();
        var message = (await WriteAsync(connection, ("refused-at-first", 1))).Single();

        // What a quorum queue's leader lost under a publisher confirm looks like from the client: not a MassTransit
        // exception, not a timeout. Before, it ended the relay and stopped the host.
        var bus = RefusingBus.Create(refusals: 2, () => new RabbitMQ.Client.Exceptions.PublishException(1, isReturn: false));
        using var relay = new OutboxRelay(db, new Outbox(), bus, _options, NullLogger<OutboxRelay>.Instance);
        await relay.StartAsync(CancellationToken.None);

        await HubFixture.Eventually(async () => await connection.ExecuteScalarAsync<DateTimeOffset?>(
            "SELECT sent_at FROM outbox WHERE document_id = @DocumentId", new { message.DocumentId }) is not null, "the row published after two refusals");
        var refusing = (RefusingBus)(object)bus;
        refusing.Attempts.ShouldBe(3);
        refusing.Published.Single().DocumentId.ShouldBe(message.DocumentId);
        relay.ExecuteTask!.IsCompleted.ShouldBeFalse("the relay is still running");
        await relay.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Documents_are_published_together_and_each_ones_revisions_one_after_another_in_order()
    {
        var db = await MigratedAsync();
        await using var connection = await db.OpenAsync();
        // Five documents of four revisions each, their rows shuffled (a document's k-th row is its revision k): some
        // revisions of a document side by side, some apart.
        string[] documents = ["doc-0", "doc-1", "doc-2", "doc-3", "doc-4"];
        var random = new Random(7);
        var shuffled = documents.SelectMany(d => Enumerable.Repeat(d, 4)).OrderBy(_ => random.Next()).ToList();
        await WriteAsync(connection, [.. shuffled.Select((d, i) => (d, shuffled.Take(i + 1).Count(x => x == d)))]);

        var bus = RefusingBus.Create(refusals: 0, () => new InvalidOperationException());
        using var relay = new OutboxRelay(db, new Outbox(), bus, _options, NullLogger<OutboxRelay>.Instance);
        await relay.StartAsync(CancellationToken.None);
        await HubFixture.Eventually(async () => await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0,
            "every row marked sent");
        await relay.StopAsync(CancellationToken.None);

        var observed = (RefusingBus)(object)bus;
        observed.Overlaps.ShouldBeEmpty("no document had two publishes in flight at once");
        foreach (var document in documents)
            observed.Published.Where(m => m.DocumentId == document).Select(m => m.Revision).ShouldBe([1, 2, 3, 4], $"{document}'s revisions in order");
        observed.MostInFlight.ShouldBeGreaterThan(1, "publishes of different documents waited for their confirms together");
    }

    [Fact]
    public async Task A_refused_publish_leaves_its_row_unsent_and_the_confirmed_ones_of_its_batch_sent()
    {
        var db = await MigratedAsync();
        await using var connection = await db.OpenAsync();
        await WriteAsync(connection, ("a", 1), ("b", 1), ("a", 2), ("b", 2));
        var bus = RefusingBus.Create(refusals: 1, () => new InvalidOperationException("refused"), of: "b");
        using var relay = new OutboxRelay(db, new Outbox(), bus, _options, NullLogger<OutboxRelay>.Instance);

        // a.1 and b.1 go out together; b.1 is refused, so the batch stops there and a.2 waits for the next one.
        await Should.ThrowAsync<InvalidOperationException>(() => relay.PublishBatchAsync(CancellationToken.None));
        (await SentAsync(connection)).ShouldBe(["a.1"]);

        (await relay.PublishBatchAsync(CancellationToken.None)).ShouldBe(3);
        (await SentAsync(connection)).ShouldBe(["a.1", "a.2", "b.1", "b.2"]);
        var published = ((RefusingBus)(object)bus).Published;
        published.Where(m => m.DocumentId == "b").Select(m => m.Revision).ShouldBe([1, 2]);
        published.Where(m => m.DocumentId == "a").Select(m => m.Revision).ShouldBe([1, 2]);
    }

    private async Task<Db> MigratedAsync()
    {
        var db = new Db(_options, new ConfigurationBuilder().Build(), new HostingEnvironment { ContentRootPath = _directory });
        await new Migrator(db, NullLogger<Migrator>.Instance).StartAsync(CancellationToken.None);
        return db;
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
    /// An <see cref="IBus"/> whose publishes are confirmed a few milliseconds later, as a broker's are, and fail a given
    /// number of times (of one document's, or of any) before they succeed. It notes what it confirmed, in order, how many
    /// publishes were in flight at once, and any document published again while its last publish was still in flight.
    /// Nothing else is used.
    /// </summary>
    public class RefusingBus : DispatchProxy
    {
        private int _refusals;
        private string? _of;
        private Func<Exception> _refusal = () => new InvalidOperationException();
        private int _attempts;
        private readonly HashSet<string> _inFlight = [];
        public int Attempts => Volatile.Read(ref _attempts);
        public List<NoticeAccepted> Published { get; } = [];
        public List<string> Overlaps { get; } = [];
        public int MostInFlight { get; private set; }

        public static IBus Create(int refusals, Func<Exception> refusal, string? of = null)
        {
            var bus = DispatchProxy.Create<IBus, RefusingBus>();
            var proxy = (RefusingBus)(object)bus;
            proxy._refusals = refusals;
            proxy._refusal = refusal;
            proxy._of = of;
            return bus;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IPublishEndpoint.Publish)) throw new NotSupportedException(targetMethod?.Name);
            Interlocked.Increment(ref _attempts);
            return ConfirmAsync((NoticeAccepted)args![0]!);
        }

        private async Task ConfirmAsync(NoticeAccepted message)
        {
            var refused = (_of is null || _of == message.DocumentId) && Interlocked.Decrement(ref _refusals) >= 0;
            lock (Published)
            {
                if (!_inFlight.Add(message.DocumentId)) Overlaps.Add(message.DocumentId);
                MostInFlight = Math.Max(MostInFlight, _inFlight.Count);
            }
            // The broker's confirm takes a while: long enough that a relay which does not wait for one publish's before
            // starting the next has several in flight.
            await Task.Delay(Random.Shared.Next(5, 25));
            lock (Published)
            {
                _inFlight.Remove(message.DocumentId);
                if (refused) throw _refusal();
                Published.Add(message);
            }
        }
    }
}
