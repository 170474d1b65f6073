using System.Data.Common;
using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Hub.Subscribers;
using Alert.Geo;
using Alert.Hub.Intake;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using MassTransit;
using NetTopologySuite.Geometries;

using Alert.Hub.Metrics;
namespace Alert.Hub.Delivery;

/// <summary>
/// Turns one accepted revision into one delivery per subscriber: those whose area filter overlaps the revision,
/// and those that received an earlier revision of the same document (so a narrowed order or a cancel reaches
/// everyone who was told before). Idempotent: a redelivered message (this hub died before acknowledging it) adds no
/// second delivery, and leases the rows still waiting to its own new messages, so they go out now rather than when the
/// first messages' leases lapse.
/// </summary>
public sealed class FanOutConsumer(Db db, SubscriberFilters filters, HubMetrics metrics) : IConsumer<NoticeAccepted>
{
    public async Task Consume(ConsumeContext<NoticeAccepted> context)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var notice = context.Message;
        await using var connection = await db.OpenAsync(context.CancellationToken);
        // What the match needs, read in one round trip. A first revision has no earlier recipients to look up (a statement
        // PostgreSQL plans anew at every call).
        long version;
        (byte[] Cap, byte[]? Wkb) revision;
        HashSet<string> earlier = [];
        var later = notice.Revision > 1;
        await using (var read = await connection.QueryMultipleAsync($"""
            SELECT version FROM subscribers_version;
            SELECT cap_body, area_wkb FROM notices WHERE document_id = @DocumentId AND revision = @Revision;
            {(later ? "SELECT DISTINCT subscriber_id FROM deliveries WHERE document_id = @DocumentId AND revision < @Revision;" : "")}
            """, new { notice.DocumentId, notice.Revision }))
        {
            version = await read.ReadSingleAsync<long>();
            revision = await read.ReadSingleAsync<(byte[], byte[]?)>();
            if (later) earlier = (await read.ReadAsync<string>()).ToHashSet();
        }
        var subscribers = await filters.AsOfAsync(connection, version);
        var (category, level, severity) = Describe(revision.Cap);
        var shape = revision.Wkb is null ? null : new NetTopologySuite.IO.WKBReader().Read(revision.Wkb);
        // Earlier revisions' areas count too: their own fan-out may not have recorded its deliveries yet when this
        // one runs, and whoever was told before must be told of the change.
        var parts = await NoticeStore.PartsSoFarAsync(connection, notice.DocumentId, notice.Revision, notice.PartCodes);

        // Each row is leased to the message sent for it; if that message is lost, the retry scheduler sends it once the lease lapses.
        var lease = DeliverNotice.LeaseFrom(DateTimeOffset.UtcNow);
        var targets = subscribers
            .Where(s => s.Statuses.Contains(notice.Status))
            .Where(s => earlier.Contains(s.Id) || ((s.Covers(parts) || s.Meets(shape)) && s.Wants(category, level, severity)))
            .Select(s => s.Id)
            .ToList();

        var now = DateTimeOffset.UtcNow;
        const string fannedOut =
            "UPDATE notices SET fanned_out_at = @now WHERE document_id = @DocumentId AND revision = @Revision AND fanned_out_at IS NULL;";
        // One transaction for all of a notice's deliveries (row by row, a thousand subscribers cost seconds of commits),
        // a few hundred rows per statement (one statement per row is a round trip each on PostgreSQL). The notice is
        // marked fanned out in the same transaction, with the last statement: its deliveries are recorded, and from then
        // on their rows carry them. A DeliverNotice lost after the commit (this hub stopped, or the broker refused it
        // past the retries) is sent again by the retry scheduler once its rows' lease lapses, so the sweep of notices
        // not fanned out is not needed for them; a separate update after the publish cost a statement and a commit
        // (a disk flush on a production server) per notice.
        if (targets.Count > 0)
        {
            await using var tx = await connection.BeginTransactionAsync(context.CancellationToken);
            var chunks = targets.Chunk(250).ToList();
            foreach (var chunk in chunks)
            {
                var args = new DynamicParameters(new { notice.DocumentId, notice.Revision, now, lease });
                for (var i = 0; i < chunk.Length; i++) args.Add($"s{i}", chunk[i]);
                await connection.ExecuteAsync($"""
                    INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at, next_attempt_at)
                    VALUES {string.Join(", ", chunk.Select((_, i) => $"(@DocumentId, @Revision, @s{i}, 'pending', 0, @now, @now, @lease)"))}
                    ON CONFLICT (document_id, revision, subscriber_id) DO UPDATE SET next_attempt_at = excluded.next_attempt_at
                    WHERE deliveries.state = 'pending';
                    {(chunk == chunks[^1] ? fannedOut : "")}
                    """, args, tx);
            }
            await tx.CommitAsync(context.CancellationToken);
            await context.PublishBatch(DeliverNotice.For(notice.DocumentId, notice.Revision, targets, lease), context.CancellationToken);
        }
        else
        {
            // No one to tell: nothing to publish, and the mark alone.
            await connection.ExecuteAsync(fannedOut, new { now, notice.DocumentId, notice.Revision });
        }
        metrics.FannedOut.Add(targets.Count);
        metrics.FanOut.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>The hub category, the 警戒レベル and the CAP severity of a revision, from its first info.</summary>
    private static (string Category, int? Level, string Severity) Describe(byte[]? cap) =>
        (cap is null ? null : StoredCaps.Read(cap))?.MainInfo is { } info
            ? (NoticeCap.Category(info), NoticeCap.Level(info), info.Severity)
            : ("other", null, "Unknown");
}

/// <summary>
/// Every subscriber's filters as the fan-out matches them, parsed once (area codes to areas, a drawn area to its shape)
/// and read from the database again only when subscribers have changed: a trigger counts every change to the table in
/// <c>subscribers_version</c>, in the change's own transaction, whichever hub made it. Reading every subscriber for
/// every notice cost the database a row per subscriber per notice (a thousand transmitters, a thousand notices a
/// second: a million rows a second).
/// </summary>
public sealed class SubscriberFilters(Gazetteer gazetteer)
{
    public sealed record Filter(string Id, HashSet<string> Statuses, IReadOnlyList<Area> Areas, Geometry? Shape,
        HashSet<string> Categories, int? MinLevel, string? MinSeverity)
    {
        /// <summary>Its areas hold a municipality or ward the notice (or an earlier revision of it) covered.</summary>
        public bool Covers(HashSet<string> parts) => Areas.Any(area => parts.Any(area.HasPart));

        /// <summary>Its drawn area meets the notice's shape (its districts, drawn shapes or areas).</summary>
        public bool Meets(Geometry? shape) => Shape is not null && shape is not null && Shape.Intersects(shape);

        /// <summary>
        /// Its own filters, for notices it has not been sent before (whoever got a revision gets the rest): its
        /// categories (none: all), its lowest evacuation level (other notices have none and pass), its lowest severity.
        /// </summary>
        public bool Wants(string category, int? level, string severity) =>
            (Categories.Count == 0 || Categories.Contains(category))
            && (MinLevel is null || level is null || level >= MinLevel)
            && (MinSeverity is null || Array.IndexOf(SubscribersApi.Severities, severity) >= Array.IndexOf(SubscribersApi.Severities, MinSeverity));
    }

    private volatile Held? _held;

    private sealed record Held(long Version, IReadOnlyList<Filter> Filters);

    /// <summary>
    /// The filters as of <paramref name="version"/> or later. The version is read before the rows, so rows read
    /// after a change committed in between are kept under the older version, and read again at the next notice: never
    /// the other way round, which would keep old rows under the new version until the next change.
    /// </summary>
    public async Task<IReadOnlyList<Filter>> AsOfAsync(DbConnection connection, long version)
    {
        if (_held is { } held && held.Version == version) return held.Filters;
        var rows = await connection.QueryAsync<(string Id, string AreaCodes, string Statuses, string Categories, int? MinLevel, string? MinSeverity, string? Polygon)>(
            "SELECT id, area_codes, statuses, categories, min_level, min_severity, polygon FROM subscribers");
        var filters = rows.Select(s => new Filter(s.Id, [.. s.Statuses.Split(' ')],
            [.. s.AreaCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => gazetteer.Find(LocalGovernmentCode.Parse(c))).OfType<Area>()],
            s.Polygon is null ? null : NoticeRules.Shape(s.Polygon),
            [.. s.Categories.Split(' ', StringSplitOptions.RemoveEmptyEntries)], s.MinLevel, s.MinSeverity)).ToList();
        _held = new Held(version, filters);
        return filters;
    }
}

public sealed class FanOutConsumerDefinition : ConsumerDefinition<FanOutConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<FanOutConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Only the database can fail a fan-out.
        endpointConfigurator.RetryForMinutes();
        endpointConfigurator.Limit(8);
    }
}
