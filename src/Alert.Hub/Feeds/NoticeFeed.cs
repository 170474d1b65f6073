using System.Collections.Concurrent;
using Alert.Core.Notices;
using Alert.Geo;
using Alert.Hub.Alerts;
using Alert.Hub.Intake;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Feeds;

/// <summary>The "Alert:Feeds" configuration section.</summary>
public sealed class FeedOptions
{
    public const string Section = "Alert:Feeds";

    /// <summary>How long a change (a cancel, an update) stays in the feeds after it is made; JMA keeps at least 10 minutes.</summary>
    public TimeSpan RecentWindow { get; set; } = TimeSpan.FromMinutes(60);
}

/// <summary>What a feed is asked for: one mode, and optionally areas (as the municipalities and wards they cover) and categories.</summary>
public sealed record FeedSelection(string Status, IReadOnlySet<string>? Parts, IReadOnlySet<string>? Categories);

/// <summary>One document in a feed: its latest revision, or for a cancelled one only the fact of the cancel.</summary>
public sealed record FeedEntry
{
    public required string Id { get; init; }
    public required int Revision { get; init; }
    public required string MsgType { get; init; }
    public required string Status { get; init; }
    public required bool Cancelled { get; init; }
    public required string Category { get; init; }
    public required string Title { get; init; }
    public required string Issuer { get; init; }
    public required IReadOnlyList<AlertArea> Areas { get; init; }
    public required DateTimeOffset Sent { get; init; }
    public required DateTimeOffset Updated { get; init; }
    public DateTimeOffset? Expires { get; init; }
    /// <summary>The hub wrote this CAP from a native notice (here or at another hub), so native forms can be served.</summary>
    public required bool HasNative { get; init; }
}

/// <summary>The entries, newest change first, and when the feed's content last changed (at the latest).</summary>
public sealed record Feed(IReadOnlyList<FeedEntry> Entries, DateTimeOffset LastChange);

/// <summary>
/// Reads the feeds' contents: every document in force (latest revision, not cancelled, not expired) and the recent
/// changes, cancels included, within <see cref="FeedOptions.RecentWindow"/>. A document that an update moved out of an
/// area stays in that area's feed for the window too, so pollers there learn it no longer applies.
/// </summary>
public sealed class NoticeFeed(Db db, Gazetteer gazetteer, IOptions<FeedOptions> options)
{

    // A revision never changes once stored, so what its CAP says is read once per process.
    private readonly ConcurrentDictionary<(string Id, int Revision), Described> _described = new();
    private const int MaxDescribed = 200_000;

    private sealed record Described(string Category, bool HasNative);

    private sealed record Row
    {
        public required string DocumentId { get; init; }
        public required string State { get; init; }
        public required DateTimeOffset UpdatedAt { get; init; }
        public required int Revision { get; init; }
        public required string MsgType { get; init; }
        public required string Title { get; init; }
        public required string IssuerName { get; init; }
        public required string AreaCodes { get; init; }
        public required string PartCodes { get; init; }
        /// <summary>The revision before this one: revision numbers only grow, and may skip some.</summary>
        public int? PreviousRevision { get; init; }
        public required DateTimeOffset Sent { get; init; }
        public required DateTimeOffset ReceivedAt { get; init; }
        public DateTimeOffset? Expires { get; init; }

        /// <summary>A cancel says nothing of its own: its category is that of the revision it withdrew.</summary>
        public (string, int) CategoryKey => State == "cancelled" && PreviousRevision is { } withdrawn ? (DocumentId, withdrawn) : (DocumentId, Revision);
    }

    private sealed record Departures
    {
        public DateTimeOffset? Expired { get; init; }
        public DateTimeOffset? LeftWindow { get; init; }
    }

    public async Task<Feed> ReadAsync(FeedSelection selection, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var window = options.Value.RecentWindow;
        var since = now - window;
        await using var connection = await db.OpenAsync(ct);
        var rows = (await connection.QueryAsync<Row>("""
            SELECT d.id AS documentid, d.state, d.updated_at AS updatedat, n.revision, n.msg_type AS msgtype, n.title,
                   i.name AS issuername, n.area_codes AS areacodes, n.part_codes AS partcodes, n.sent, n.received_at AS receivedat, n.expires,
                   (SELECT MAX(e.revision) FROM notices e WHERE e.document_id = d.id AND e.revision < d.current_revision) AS previousrevision
            FROM documents d
            JOIN notices n ON n.document_id = d.id AND n.revision = d.current_revision
            JOIN identities i ON i.id = d.issuer_id
            WHERE d.status = @status
              AND ((d.state = 'active' AND (n.expires IS NULL OR n.expires > @now)) OR (d.state = 'cancelled' AND d.updated_at >= @since))
            ORDER BY n.received_at DESC, d.id
            """, new { status = selection.Status, now, since })).ToList();

        if (selection.Parts is { } parts)
        {
            // A document changed within the window stays in the feed of every area any of its revisions covered, not
            // only the one before: a cancel keeps the areas of the update it follows, which may have dropped this one.
            var changed = rows.Where(r => r.UpdatedAt >= since && r.PreviousRevision is not null).Select(r => r.DocumentId).ToList();
            var earlier = new HashSet<string>();
            foreach (var batch in changed.Chunk(500))
                earlier.UnionWith((await connection.QueryAsync<(string DocumentId, string PartCodes)>(
                        $"SELECT document_id, part_codes FROM notices WHERE {db.AnyOf("document_id", "batch")}", new { batch }))
                    .Where(e => NoticeStore.Split(e.PartCodes).Any(parts.Contains)).Select(e => e.DocumentId));
            rows = rows.Where(r => NoticeStore.Split(r.PartCodes).Any(parts.Contains) || earlier.Contains(r.DocumentId)).ToList();
        }
        var described = await DescribeAsync(connection, rows.SelectMany(r => new[] { (r.DocumentId, r.Revision), r.CategoryKey }).ToHashSet(), ct);
        if (selection.Categories is not null)
            rows = rows.Where(r => selection.Categories.Contains(described[r.CategoryKey].Category)).ToList();

        // Content also changes when a notice expires or a change leaves the window: the latest of those, over every
        // document, dates it too. Taking them over all documents can only make the date later, never hide a change.
        var departures = await connection.QuerySingleAsync<Departures>("""
            SELECT (SELECT MAX(expires) FROM notices WHERE expires <= @now) AS expired,
                   (SELECT MAX(updated_at) FROM documents WHERE updated_at < @since) AS leftwindow
            """, new { now, since });
        var changes = rows.Select(r => r.ReceivedAt).Append(departures.Expired ?? DateTimeOffset.UnixEpoch)
            .Append(departures.LeftWindow is { } left ? left + window : DateTimeOffset.UnixEpoch);

        var entries = rows.Select(r => new FeedEntry
        {
            Id = r.DocumentId,
            Revision = r.Revision,
            MsgType = r.MsgType,
            Status = selection.Status,
            Cancelled = r.State == "cancelled",
            Category = described[r.CategoryKey].Category,
            // The withdrawn content is never shown again, not even the cancel's own copy of its headline.
            Title = r.State == "cancelled" ? $"【取消】{r.IssuerName}の情報は取り消されました / Cancelled by {r.IssuerName}" : r.Title,
            Issuer = r.IssuerName,
            Areas = AlertArea.Named(r.AreaCodes, gazetteer),
            Sent = r.Sent,
            Updated = r.ReceivedAt,
            Expires = r.Expires,
            HasNative = described[(r.DocumentId, r.Revision)].HasNative,
        }).ToList();
        return new Feed(entries, changes.Max());
    }

    /// <summary>What the CAP of each revision says: remembered ones, and the rest read a batch of documents at a time.</summary>
    private async Task<Dictionary<(string Id, int Revision), Described>> DescribeAsync(System.Data.Common.DbConnection connection,
        HashSet<(string Id, int Revision)> wanted, CancellationToken ct)
    {
        var described = new Dictionary<(string, int), Described>();
        foreach (var key in wanted)
            if (_described.TryGetValue(key, out var known)) described[key] = known;
        var missing = wanted.Where(k => !described.ContainsKey(k)).ToHashSet();
        if (_described.Count + missing.Count > MaxDescribed) _described.Clear();
        foreach (var batch in missing.Select(k => k.Id).Distinct().Chunk(500))
        {
            ct.ThrowIfCancellationRequested();
            var bodies = await connection.QueryAsync<(string DocumentId, int Revision, byte[] CapBody)>(
                $"SELECT document_id, revision, cap_body FROM notices WHERE {db.AnyOf("document_id", "batch")}", new { batch });
            foreach (var (id, revision, body) in bodies.Where(b => missing.Contains((b.DocumentId, b.Revision))))
                described[(id, revision)] = _described[(id, revision)] = Describe(body);
        }
        return described;
    }

    private static Described Describe(byte[] capBody)
    {
        var alert = StoredCaps.Read(capBody);
        return new Described(alert?.MainInfo is { } info ? NoticeCap.Category(info) : "other", alert?.Infos.Any(i => i.Parameter(NoticeCap.NoticeParameter) is not null) == true);
    }
}
