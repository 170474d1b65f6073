using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Hub.Subscribers;
using Alert.Geo;
using Alert.Hub.Intake;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using MassTransit;

using Alert.Hub.Metrics;
namespace Alert.Hub.Delivery;

/// <summary>
/// Turns one accepted revision into one delivery per subscriber: those whose area filter overlaps the revision,
/// and those that received an earlier revision of the same document (so a narrowed order or a cancel reaches
/// everyone who was told before). Idempotent: a redelivered message (this hub died before acknowledging it) adds no
/// second delivery, and leases the rows still waiting to its own new messages, so they go out now rather than when the
/// first messages' leases lapse.
/// </summary>
public sealed class FanOutConsumer(Db db, Gazetteer gazetteer, HubMetrics metrics) : IConsumer<NoticeAccepted>
{
    public async Task Consume(ConsumeContext<NoticeAccepted> context)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var notice = context.Message;
        await using var connection = await db.OpenAsync(context.CancellationToken);
        // What the match needs, read in one round trip. A first revision has no earlier recipients to look up (a statement
        // PostgreSQL plans anew at every call).
        List<(string Id, string AreaCodes, string Statuses, string Categories, int? MinLevel, string? MinSeverity, string? Polygon)> subscribers;
        (byte[] Cap, byte[]? Wkb) revision;
        HashSet<string> earlier = [];
        var later = notice.Revision > 1;
        await using (var read = await connection.QueryMultipleAsync($"""
            SELECT id, area_codes, statuses, categories, min_level, min_severity, polygon FROM subscribers;
            SELECT cap_body, area_wkb FROM notices WHERE document_id = @DocumentId AND revision = @Revision;
            {(later ? "SELECT DISTINCT subscriber_id FROM deliveries WHERE document_id = @DocumentId AND revision < @Revision;" : "")}
            """, new { notice.DocumentId, notice.Revision }))
        {
            subscribers = (await read.ReadAsync<(string, string, string, string, int?, string?, string?)>()).ToList();
            revision = await read.ReadSingleAsync<(byte[], byte[]?)>();
            if (later) earlier = (await read.ReadAsync<string>()).ToHashSet();
        }
        var (category, level, severity) = Describe(revision.Cap);
        var shape = revision.Wkb is null ? null : new NetTopologySuite.IO.WKBReader().Read(revision.Wkb);
        // Earlier revisions' areas count too: their own fan-out may not have recorded its deliveries yet when this
        // one runs, and whoever was told before must be told of the change.
        var parts = await NoticeStore.PartsSoFarAsync(connection, notice.DocumentId, notice.Revision, notice.PartCodes);

        // Each row is leased to the message sent for it; if that message is lost, the retry scheduler sends it once the lease lapses.
        var lease = DeliverNotice.LeaseFrom(DateTimeOffset.UtcNow);
        var targets = subscribers
            .Where(s => s.Statuses.Split(' ').Contains(notice.Status))
            .Where(s => earlier.Contains(s.Id)
                || ((Covers(s.AreaCodes, parts) || Meets(s.Polygon, shape)) && Wants(s.Categories, s.MinLevel, s.MinSeverity, category, level, severity)))
            .Select(s => s.Id)
            .ToList();

        var now = DateTimeOffset.UtcNow;
        // One transaction for all of a notice's deliveries (row by row, a thousand subscribers cost seconds of commits),
        // a few hundred rows per statement (one statement per row is a round trip each on PostgreSQL); none for no one.
        if (targets.Count > 0)
        {
            await using var tx = await connection.BeginTransactionAsync(context.CancellationToken);
            foreach (var chunk in targets.Chunk(250))
            {
                var args = new DynamicParameters(new { notice.DocumentId, notice.Revision, now, lease });
                for (var i = 0; i < chunk.Length; i++) args.Add($"s{i}", chunk[i]);
                await connection.ExecuteAsync($"""
                    INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at, next_attempt_at)
                    VALUES {string.Join(", ", chunk.Select((_, i) => $"(@DocumentId, @Revision, @s{i}, 'pending', 0, @now, @now, @lease)"))}
                    ON CONFLICT (document_id, revision, subscriber_id) DO UPDATE SET next_attempt_at = excluded.next_attempt_at
                    WHERE deliveries.state = 'pending'
                    """, args, tx);
            }
            await tx.CommitAsync(context.CancellationToken);
        }
        await context.PublishBatch(DeliverNotice.For(notice.DocumentId, notice.Revision, targets, lease), context.CancellationToken);
        await connection.ExecuteAsync(
            "UPDATE notices SET fanned_out_at = @now WHERE document_id = @DocumentId AND revision = @Revision AND fanned_out_at IS NULL",
            new { now, notice.DocumentId, notice.Revision });
        metrics.FannedOut.Add(targets.Count);
        metrics.FanOut.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>The hub category, the 警戒レベル and the CAP severity of a revision, from its first info.</summary>
    private static (string Category, int? Level, string Severity) Describe(byte[]? cap) =>
        (cap is null ? null : StoredCaps.Read(cap))?.MainInfo is { } info
            ? (NoticeCap.Category(info), NoticeCap.Level(info), info.Severity)
            : ("other", null, "Unknown");

    /// <summary>
    /// A subscriber's own filters, for notices it has not been sent before (whoever got a revision gets the rest):
    /// its categories, its lowest evacuation level (other notices have none and pass), its lowest severity.
    /// </summary>
    private static bool Wants(string categories, int? minLevel, string? minSeverity, string category, int? level, string severity) =>
        (categories.Length == 0 || categories.Split(' ').Contains(category))
        && (minLevel is null || level is null || level >= minLevel)
        && (minSeverity is null || Array.IndexOf(SubscribersApi.Severities, severity) >= Array.IndexOf(SubscribersApi.Severities, minSeverity));

    /// <summary>A subscriber's drawn area against the notice's shape (its districts, drawn shapes or areas).</summary>
    private static bool Meets(string? polygon, NetTopologySuite.Geometries.Geometry? shape) =>
        polygon is not null && shape is not null && NoticeRules.Shape(polygon).Intersects(shape);

    private bool Covers(string filterCodes, HashSet<string> parts) =>
        filterCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => gazetteer.Find(LocalGovernmentCode.Parse(c)))
            .Any(area => area is not null && parts.Any(area.HasPart));
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
