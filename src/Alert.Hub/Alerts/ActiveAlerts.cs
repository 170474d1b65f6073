using System.Globalization;
using System.Text.Json.Serialization;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Core.Rendering;
using Alert.Geo;
using Alert.Hub.Intake;
using Alert.Hub.Storage;
using Dapper;
using NetTopologySuite.IO;

namespace Alert.Hub.Alerts;

public sealed record AlertArea(string Code, string Name)
{
    /// <summary>The areas a revision names (its stored codes, space separated), each with check digit and name.</summary>
    public static IReadOnlyList<AlertArea> Named(string areaCodes, Gazetteer gazetteer) => NoticeStore.Split(areaCodes)
        .Select(code => LocalGovernmentCode.Parse(code)).Select(code => new AlertArea(code.WithCheckDigit, gazetteer.Find(code)?.Name ?? "")).ToList();

    /// <summary>The municipality or ward at a point, with check digit and full name; null at sea or abroad.</summary>
    public static AlertArea? At(Gazetteer gazetteer, double lat, double lng) => gazetteer.At(lat, lng) is { } municipality
        ? new AlertArea(LocalGovernmentCode.Parse(municipality.Code).WithCheckDigit, municipality.FullName)
        : null;
}

public sealed record AlertLinks(string Cap, string Area);

/// <summary>Event, headline and instruction in one language.</summary>
public sealed record AlertText(string Event, string Headline, string? Instruction);

/// <summary>An open (or full) shelter of a shelters notice in force, as far from a resident as <see cref="DistanceM"/>.</summary>
public sealed record NearbyShelter(string NoticeId, string Name, string? Address, double Lat, double Lng, string Status,
    int? Capacity, int? Present, IReadOnlyList<string> Hazards, int DistanceM);

/// <summary>A notice in force, as apps and residents see it: what it is, how serious, where, and where to read it all.</summary>
public sealed record ActiveAlert
{
    public required string Id { get; init; }
    public required int Revision { get; init; }
    public required string Status { get; init; }
    public required string Category { get; init; }
    public required string Event { get; init; }
    public required string Headline { get; init; }
    public string? HeadlineEn { get; init; }
    public string? Instruction { get; init; }
    public required string Severity { get; init; }
    public required string Urgency { get; init; }
    /// <summary>警戒レベル of an evacuation notice (the highest still in force), else null.</summary>
    public int? Level { get; init; }
    public required IReadOnlyList<AlertArea> Areas { get; init; }
    /// <summary>True when the shape is made of town cells (built from town points), not surveyed boundaries.</summary>
    public required bool Approximate { get; init; }
    public required DateTimeOffset Sent { get; init; }
    public DateTimeOffset? Expires { get; init; }
    public required AlertLinks Links { get; init; }
    /// <summary>The language <see cref="Event"/>, <see cref="Headline"/> and <see cref="Instruction"/> are in (a CAP tag).</summary>
    public string Language { get; init; } = Languages.Japanese.Tag;
    /// <summary>True when the notice has no text in the language asked for (CAP from elsewhere): the Japanese stands in.</summary>
    public bool Untranslated { get; init; }

    /// <summary>The texts in every language the notice can be read in, by phrases.json key: written once, when indexed.</summary>
    [JsonIgnore] public IReadOnlyDictionary<string, AlertText> Texts { get; init; } = new Dictionary<string, AlertText>();
    /// <summary>The shelters of a shelters notice, for "the nearest open shelter"; empty for any other.</summary>
    [JsonIgnore] public IReadOnlyList<Shelter> Shelters { get; init; } = [];
    /// <summary>The places of a general notice (water points, baths, Wi-Fi…), for the map layers; empty for any other.</summary>
    [JsonIgnore] public IReadOnlyList<Place> Places { get; init; } = [];

    /// <summary>This alert read in <paramref name="language"/>, or in Japanese marked untranslated.</summary>
    public ActiveAlert In(Language language) => Texts.TryGetValue(language.Key, out var text)
        ? this with { Event = text.Event, Headline = text.Headline, Instruction = text.Instruction, Language = language.Tag }
        : this with { Untranslated = true };
}

/// <summary>
/// Every notice in force, indexed for "what applies here" (<see cref="CoverageIndex{T}"/>), most severe first.
/// Queries read an immutable index; a refresh makes a new one and swaps it in, so readers never wait or see half
/// an update. Refreshes run when this hub accepts a notice, when streams are about to announce one, and every second
/// for what other hubs accepted.
/// </summary>
public sealed partial class ActiveAlerts(Db db, Gazetteer gazetteer, ILogger<ActiveAlerts> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    private volatile CoverageIndex<ActiveAlert> _index = new(gazetteer, Comparer<ActiveAlert>.Create((a, b) =>
        Rank(a).CompareTo(Rank(b)) is var byRank and not 0 ? byRank : string.CompareOrdinal(a.Id, b.Id)));
    // With the municipality or ward each lies in, found once when the index changes rather than at every map asked for.
    private volatile IReadOnlyList<(ActiveAlert Alert, Shelter Shelter, double Lat, double Lng, string? Part)> _shelters = [];
    private volatile IReadOnlyList<(ActiveAlert Alert, Place Place, double Lat, double Lng, string? Part)> _places = [];
    private readonly Dictionary<string, CoverageIndex<ActiveAlert>.Item> _entries = [];
    // The held revisions with an expiry, soonest first, so a refresh finds what has expired without looking at every
    // notice in force (that look, at every notice accepted, grew with the number in force). A revision replaced or
    // withdrawn since it was queued stays queued and is passed over when its time comes.
    private readonly PriorityQueue<(string Id, int Revision), DateTimeOffset> _expiries = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly SemaphoreSlim _changed = new(0, 1);
    // The outbox id up to which every change is held; null before the first look.
    private long? _seen;

    /// <summary>Asks for a refresh now (a notice was just accepted here); returns at once.</summary>
    public void Changed()
    {
        try { _changed.Release(); } catch (SemaphoreFullException) { } // one pending refresh covers every change before it
    }

    /// <summary>Notices in force at a point, most severe first; none at sea or outside the boundaries.</summary>
    public List<ActiveAlert> At(double lat, double lng, string status, DateTimeOffset now) => _index.At(lat, lng, a => InForce(a, status, now));

    /// <summary>Notices in force touching any part of an area (a prefecture, city, municipality or ward), most severe first.</summary>
    public List<ActiveAlert> In(Area area, string status, DateTimeOffset now)
        => _index.In(area).Where(a => InForce(a, status, now)).OrderBy(Rank).ToList();

    /// <summary>
    /// The open and full shelters of notices in force nearest a point, nearest first. Closed ones are left out: a
    /// resident looking for somewhere to go must not be sent to a locked door.
    /// </summary>
    public List<NearbyShelter> SheltersNear(double lat, double lng, string status, DateTimeOffset now, int limit) => _shelters
        .Where(s => s.Shelter.Status != ShelterStatus.Closed && InForce(s.Alert, status, now))
        .Select(s => (s, Metres: GreatCircle.Metres(lat, lng, s.Lat, s.Lng)))
        .OrderBy(s => s.Metres).Take(limit)
        .Select(x => new NearbyShelter(x.s.Alert.Id, x.s.Shelter.Name, x.s.Shelter.Address, x.s.Lat, x.s.Lng, PhraseKey.Kebab(x.s.Shelter.Status),
            x.s.Shelter.Capacity, x.s.Shelter.Present, x.s.Shelter.Hazards.Select(PhraseKey.Kebab).ToList(), (int)Math.Round(x.Metres)))
        .ToList();

    /// <summary>The open and full shelters of notices in force that lie in <paramref name="area"/> (never closed: see <see cref="SheltersNear"/>).</summary>
    public List<(ActiveAlert Alert, Shelter Shelter, double Lat, double Lng, string? Part)> SheltersIn(Area area, string status, DateTimeOffset now) =>
        _shelters.Where(s => s.Shelter.Status != ShelterStatus.Closed && s.Part is { } part && area.HasPart(part) && InForce(s.Alert, status, now)).ToList();

    /// <summary>The places of notices in force that lie in <paramref name="area"/>, by their own coordinates; those without any are on no map.</summary>
    public List<(ActiveAlert Alert, Place Place, double Lat, double Lng, string? Part)> PlacesIn(Area area, string status, DateTimeOffset now) =>
        _places.Where(p => p.Part is { } part && area.HasPart(part) && InForce(p.Alert, status, now)).ToList();

    /// <summary>What every notice held has of one kind (shelters, places) with coordinates, and the municipality or ward of each.</summary>
    private List<(ActiveAlert Alert, T Item, double Lat, double Lng, string? Part)> Located<T>(Func<ActiveAlert, IEnumerable<T>> of, Func<T, Location?> at) =>
        [.. _entries.Values.SelectMany(e => of(e.Value).Where(x => at(x) is not null).Select(x =>
        {
            var (lat, lng) = ((double)at(x)!.Lat, (double)at(x)!.Lng);
            return (e.Value, x, lat, lng, gazetteer.At(lat, lng)?.Code);
        }))];

    /// <summary>Every notice the index holds in an area, whether or not still in force: what it keeps, not what it shows.</summary>
    internal IEnumerable<ActiveAlert> HeldIn(Area area) => _index.In(area);

    private static bool InForce(ActiveAlert alert, string status, DateTimeOffset now) =>
        alert.Status == status && (alert.Expires is not { } expires || expires > now);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be away for a while: keep serving the last snapshot and look again shortly.
                LogRefreshFailed(logger, ex);
            }
            try
            {
                await _changed.WaitAsync(Poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Loads what changed since the last look and swaps in a new snapshot if anything did. Every change of a document
    /// writes an outbox row in its own transaction, and outbox ids become visible in order (see Outbox.Append), so
    /// the rows past the last id seen name exactly the documents changed since: a look costs what changed, not what
    /// is in force. The first look, and a look after the log was pruned past the last id seen, take all in force.
    /// </summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        await _refreshing.WaitAsync(ct);
        try
        {
            var now = DateTimeOffset.UtcNow;
            await using var connection = await db.OpenAsync(ct);
            // One transaction, so that the read of the documents can be planned once per connection (see InForce).
            await using var tx = await connection.BeginTransactionAsync(ct);
            List<(long Position, string Id, int Revision, string State)> changed = [];
            long seen = 0;
            var whole = _seen is null;
            if (!whole)
            {
                // The horizon after the rows: rows pruned before they were read show in it as a horizon past the position.
                var rows = new List<(long Position, string? Id, int Revision, string? State)>();
                List<(long Position, string? Id, int Revision, string? State)> page;
                do
                {
                    using var reader = await connection.QueryMultipleAsync($"""
                        {Db.GenericPlans(connection)}{Tail};
                        SELECT pruned_up_to FROM outbox_horizon;
                        """, new { after = rows.Count > 0 ? rows[^1].Position : _seen, page = TailPage }, tx);
                    page = (await reader.ReadAsync<(long Position, string? Id, int Revision, string? State)>()).ToList();
                    rows.AddRange(page);
                    whole = await reader.ReadSingleAsync<long>() > _seen;
                } while (page.Count == TailPage && !whole);
                seen = rows.Count > 0 ? rows[^1].Position : _seen!.Value;
                changed = rows.Where(r => r.Id is not null).Select(r => (r.Position, r.Id!, r.Revision, r.State!)).ToList();
            }
            if (whole)
            {
                // The position first: a change committed in between is then looked at again, which does no harm. A log
                // pruned to its end holds no ids, and the next one comes after the horizon.
                using var reader = await connection.QueryMultipleAsync("""
                    SELECT COALESCE(MAX(id), 0) FROM outbox;
                    SELECT pruned_up_to FROM outbox_horizon;
                    SELECT 0, d.id, d.current_revision, d.state FROM documents d
                    JOIN notices n ON n.document_id = d.id AND n.revision = d.current_revision
                    WHERE d.state = 'active' AND (n.expires IS NULL OR n.expires > @now);
                    """, new { now }, tx);
                seen = Math.Max(await reader.ReadSingleAsync<long>(), await reader.ReadSingleAsync<long>());
                changed = (await reader.ReadAsync<(long, string, int, string)>()).ToList();
            }

            // Everything is read and made before anything held changes: a refresh that fails half-way (the database
            // gone, a stored CAP that no longer reads) leaves the entries, the index and the position as they were,
            // and the next look starts again from the same position.
            var gone = changed.Where(c => c.State != "active").Select(c => c.Id).ToList();
            if (whole)
            {
                var active = changed.Select(c => c.Id).ToHashSet();
                gone.AddRange(_entries.Keys.Where(id => !active.Contains(id)));
            }
            var load = changed.Where(c => c.State == "active" && (!_entries.TryGetValue(c.Id, out var held) || held.Value.Revision != c.Revision))
                .Select(c => c.Id).Distinct().ToList();
            var fresh = new List<CoverageIndex<ActiveAlert>.Item>();
            foreach (var batch in load.Chunk(500))
            {
                var rows = await connection.QueryAsync<Row>($"{Db.GenericPlans(connection)}{InForce(db)}", new { batch }, tx);
                foreach (var row in rows)
                {
                    // One stored CAP that no longer reads must not stop every other notice from showing or going away:
                    // it is left out, loudly, and the rest goes on.
                    try
                    {
                        fresh.Add(ToEntry(row));
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogUnreadable(logger, ex, row.Id, row.Revision);
                        gone.Add(row.Id);
                    }
                }
            }
            await tx.CommitAsync(ct);

            var added = new List<CoverageIndex<ActiveAlert>.Item>();
            var removed = new List<CoverageIndex<ActiveAlert>.Item>();
            void Remove(string id)
            {
                if (_entries.Remove(id, out var held)) removed.Add(held);
            }
            foreach (var id in gone) Remove(id);
            foreach (var entry in fresh)
            {
                Remove(entry.Value.Id);
                _entries[entry.Value.Id] = entry;
                added.Add(entry);
                if (entry.Value.Expires is { } expires) _expiries.Enqueue((entry.Value.Id, entry.Value.Revision), expires);
            }
            while (_expiries.TryPeek(out var next, out var expiry) && expiry <= now)
            {
                _expiries.Dequeue();
                if (_entries.TryGetValue(next.Id, out var held) && held.Value.Revision == next.Revision) Remove(next.Id);
            }
            _seen = seen;

            if (added.Count + removed.Count > 0) _index = _index.With(added, removed);
            var touched = added.Concat(removed).Select(e => e.Value).ToList();
            if (touched.Any(a => a.Shelters.Count > 0)) _shelters = Located(a => a.Shelters, s => s.Location);
            if (touched.Any(a => a.Places.Count > 0)) _places = Located(a => a.Places, p => p.Location);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Rows of the log read at a time by <see cref="Tail"/>; a refresh further behind reads page after page.</summary>
    internal const int TailPage = 1000;

    /// <summary>
    /// The log past a position, a page at a time, with the documents its rows name as they are now. Read at every
    /// accepted notice and planned once per connection like <see cref="InForce"/>: with the page's size a bound, a
    /// plan made without the position walks the log's key from it and looks each document up by its own
    /// (GenericPlanTests checks it), where without one it would expect a third of the log past any position.
    /// </summary>
    internal const string Tail = """
        SELECT o.id, d.id, d.current_revision, d.state FROM outbox o LEFT JOIN documents d ON d.id = o.document_id
        WHERE o.id > @after ORDER BY o.id LIMIT @page
        """;

    /// <summary>
    /// The current revisions of a batch of documents still in force. It runs at every accepted notice: planned anew at
    /// every call it cost PostgreSQL more than running it, so it is planned once per connection (sent after
    /// <see cref="Db.GenericPlans"/>, which holds to the end of the refresh's transaction); with the documents named by
    /// key, a plan made without their ids is the same (GenericPlanTests checks it).
    /// </summary>
    internal static string InForce(Db db) => $"""
        SELECT d.id, d.current_revision AS revision, d.status, n.area_codes AS areacodes, n.part_codes AS partcodes,
               n.area_wkb AS areawkb, n.area_source AS areasource, n.expires, n.sent, n.cap_body AS capbody
        FROM documents d JOIN notices n ON n.document_id = d.id AND n.revision = d.current_revision
        WHERE {db.AnyOf("d.id", "batch")} AND d.state = 'active'
        """;

    private sealed record Row
    {
        public required string Id { get; init; }
        public required int Revision { get; init; }
        public required string Status { get; init; }
        public required string AreaCodes { get; init; }
        public required string PartCodes { get; init; }
        public byte[]? AreaWkb { get; init; }
        public required string AreaSource { get; init; }
        public DateTimeOffset? Expires { get; init; }
        public required DateTimeOffset Sent { get; init; }
        public required byte[] CapBody { get; init; }
    }

    private CoverageIndex<ActiveAlert>.Item ToEntry(Row row)
    {
        var cap = StoredCaps.Read(row.CapBody)
            ?? throw new InvalidDataException($"the stored CAP of {row.Id} revision {row.Revision} no longer reads");
        var ja = cap.MainInfo!;
        var en = cap.InfoIn("en");
        // A notice the hub wrote reads in every language from the standard phrases; CAP from elsewhere in those it brought.
        var native = NoticeCap.FromCap(cap);
        var texts = native is not null
            ? Languages.All.ToDictionary(l => l.Key, l =>
            {
                var (e, h, i) = NoticeCap.Texts(native, l);
                return new AlertText(e, h, i);
            })
            : Languages.All.Select(l => (l.Key, Info: l == Languages.Japanese ? ja : cap.InfoIn(l.Key)))
                .Where(t => t.Info is not null).ToDictionary(t => t.Key, t => new AlertText(t.Info!.Event, t.Info.Headline ?? t.Info.Event, t.Info.Instruction));
        var level = NoticeCap.Level(ja);
        var link = $"/api/v1/notices/{row.Id}";
        var alert = new ActiveAlert
        {
            Id = row.Id,
            Revision = row.Revision,
            Status = row.Status,
            Category = NoticeCap.Category(ja),
            Event = ja.Event,
            Headline = ja.Headline ?? ja.Event,
            HeadlineEn = en?.Headline,
            Instruction = ja.Instruction,
            Severity = ja.Severity,
            Urgency = ja.Urgency,
            Level = level,
            Areas = AlertArea.Named(row.AreaCodes, gazetteer),
            Approximate = row.AreaSource == "towns",
            // Stored in UTC; shown in Japan time, as every notice is written and read.
            Sent = JapanTime.Of(row.Sent),
            Expires = row.Expires is { } expires ? JapanTime.Of(expires) : null,
            Links = new AlertLinks($"{link}/revisions/{row.Revision}/cap", $"{link}/area"),
            Texts = texts,
            Shelters = native?.Body is SheltersBody shelters ? shelters.Shelters : [],
            Places = native?.Body is GeneralBody general ? general.Places : [],
        };
        // Whole areas are answered by the ward lookup alone; anything drawn smaller is tested against its shape.
        var shape = row.AreaSource == "codes" || row.AreaWkb is null ? null : new WKBReader().Read(row.AreaWkb);
        return new CoverageIndex<ActiveAlert>.Item(alert, NoticeStore.Split(row.PartCodes), shape);
    }

    /// <summary>Most severe first: the evacuation level, then CAP severity and urgency, then the newest.</summary>
    private static (int, int, int, long) Rank(ActiveAlert a) => (
        -(a.Level ?? 0), -Array.IndexOf(Severities, a.Severity), -Array.IndexOf(Urgencies, a.Urgency), -a.Sent.UtcTicks);

    private static readonly string[] Severities = ["Unknown", "Minor", "Moderate", "Severe", "Extreme"];
    private static readonly string[] Urgencies = ["Unknown", "Past", "Future", "Expected", "Immediate"];

    [LoggerMessage(Level = LogLevel.Error, Message = "Notice {Id} revision {Revision} cannot be read for the index of notices in force; it is left out")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string id, int revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the active-alert index; serving the last one")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
