using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Geo;
using Alert.Hub.Alerts;
using Alert.Hub.Intake;
using Alert.Hub.Storage;
using Dapper;

namespace Alert.Hub.Streams;

/// <summary>
/// One frame of a stream, written once as SSE text and shared by every connection it goes to. Sequenced events
/// (<see cref="Sequence"/>) are outbox rows; heartbeats and expiries are not in the log and carry no <c>id:</c>.
/// </summary>
public sealed class StreamEvent
{
    public static readonly StreamEvent Heartbeat = new(null, "", 0, [], Encoding.UTF8.GetBytes(": heartbeat\n\n"));

    private StreamEvent(long? sequence, string status, int category, HashSet<string> parts, byte[] frame) =>
        (Sequence, Status, Category, Parts, Frame) = (sequence, status, category, parts, frame);

    public long? Sequence { get; }
    public string Status { get; }
    /// <summary>The category's bit (see <see cref="NoticeCap.Categories"/>); 0 for frames every connection gets.</summary>
    public int Category { get; }
    /// <summary>Municipalities and wards this revision or an earlier one of its document covered.</summary>
    public HashSet<string> Parts { get; }
    public byte[] Frame { get; }

    internal static StreamEvent Create(long? sequence, string type, string status, int category, HashSet<string> parts, object data)
    {
        var json = JsonSerializer.Serialize(data, StreamLog.Json);
        var id = sequence is { } s ? $"id: {s.ToString(CultureInfo.InvariantCulture)}\n" : "";
        return new StreamEvent(sequence, status, category, parts, Encoding.UTF8.GetBytes($"{id}event: {type}\ndata: {json}\n\n"));
    }
}

/// <summary>
/// The outbox read as an event log: each row is one accepted revision, its id the event id every hub shares.
/// Rows are kept for the outbox's retention, so a client can resume from any id it saw within it, across restarts and
/// instances; from further back it is told to reload (a reset event).
/// </summary>
public sealed class StreamLog(Db db, Gazetteer gazetteer)
{

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public sealed record EventData(string Id, int Revision, string MsgType, string Status, string Category, string Headline, string Severity,
        int? Level, IReadOnlyList<AlertArea> Areas, DateTimeOffset Sent, DateTimeOffset? Expires, AlertLinks Links);

    private sealed record Row
    {
        public long? Id { get; init; }
        public required string DocumentId { get; init; }
        public required int Revision { get; init; }
        public required string MsgType { get; init; }
        public required string Status { get; init; }
        public required string AreaCodes { get; init; }
        public required string PartCodes { get; init; }
        public required DateTimeOffset Sent { get; init; }
        public DateTimeOffset? Expires { get; init; }
        public required byte[] CapBody { get; init; }
    }

    public async Task<long> LastAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long?>("SELECT MAX(id) FROM outbox") ?? 0;
    }

    /// <summary>Every event id up to this one has been pruned from the log (see OutboxRelay.PruneAsync).</summary>
    public async Task<long> PrunedUpToAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>("SELECT pruned_up_to FROM outbox_horizon");
    }

    /// <summary>
    /// Accepted revisions in a stretch of the log, with what a stream event needs. Read at every accepted notice, and
    /// planned once per connection: planned anew at every call it cost PostgreSQL more than running it. A plan made
    /// without the bounds expects a small stretch of the log, and finds it by the log's key (GenericPlanTests checks it).
    /// </summary>
    internal const string Accepted = """
        SELECT o.id, n.document_id AS documentid, n.revision, n.msg_type AS msgtype, d.status, n.area_codes AS areacodes,
               n.part_codes AS partcodes, n.sent, n.expires, n.cap_body AS capbody
        FROM outbox o
        JOIN notices n ON n.document_id = o.document_id AND n.revision = o.revision
        JOIN documents d ON d.id = o.document_id
        WHERE o.id > @after AND o.id <= @upTo AND o.message_type = 'NoticeAccepted'
        ORDER BY o.id
        LIMIT @limit
        """;

    /// <summary>Accepted revisions with outbox id in (after, upTo], in id order.</summary>
    public async Task<List<StreamEvent>> ReadAsync(long after, long upTo, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        List<Row> rows;
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            rows = (await connection.QueryAsync<Row>($"{Db.GenericPlans(connection)}{Accepted}", new { after, upTo, limit }, tx)).ToList();
            await tx.CommitAsync(ct);
        }
        var events = new List<StreamEvent>();
        foreach (var row in rows) events.Add(await ToEventAsync(connection, row, row.MsgType == "Cancel" ? "cancel" : "notice"));
        return events;
    }

    /// <summary>Documents in force whose current revision expired in (from, to].</summary>
    public async Task<List<StreamEvent>> ExpiredAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var rows = await connection.QueryAsync<Row>("""
            SELECT d.id AS documentid, n.revision, n.msg_type AS msgtype, d.status, n.area_codes AS areacodes,
                   n.part_codes AS partcodes, n.sent, n.expires, n.cap_body AS capbody
            FROM documents d JOIN notices n ON n.document_id = d.id AND n.revision = d.current_revision
            WHERE d.state = 'active' AND n.expires > @from AND n.expires <= @to
            ORDER BY n.expires
            """, new { from, to });
        var events = new List<StreamEvent>();
        foreach (var row in rows) events.Add(await ToEventAsync(connection, row, "expired"));
        return events;
    }

    private async Task<StreamEvent> ToEventAsync(System.Data.Common.DbConnection connection, Row row, string type)
    {
        var parts = await NoticeStore.PartsSoFarAsync(connection, row.DocumentId, row.Revision, NoticeStore.Split(row.PartCodes));
        // A cancel says what it withdraws: the category, headline and level of the revision before it.
        var capBody = await NoticeStore.DescribingCapAsync(connection, row.DocumentId, row.Revision, row.MsgType, row.CapBody);
        var info = StoredCaps.Read(capBody)?.MainInfo;
        var category = Array.IndexOf(NoticeCap.Categories, info is null ? "other" : NoticeCap.Category(info));
        var link = $"/api/v1/notices/{row.DocumentId}";
        var data = new EventData(row.DocumentId, row.Revision, row.MsgType, row.Status, NoticeCap.Categories[category],
            info?.Headline ?? info?.Event ?? "", info?.Severity ?? "Unknown",
            info is null ? null : NoticeCap.Level(info),
            AlertArea.Named(row.AreaCodes, gazetteer),
            JapanTime.Of(row.Sent), row.Expires is { } expires ? JapanTime.Of(expires) : null, new AlertLinks($"{link}/revisions/{row.Revision}/cap", $"{link}/area"));
        return StreamEvent.Create(row.Id, type, row.Status, 1 << category, parts, data);
    }
}
