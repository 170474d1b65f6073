using System.Security.Claims;
using System.Text.Json;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Webhooks;
using Alert.Geo;
using Alert.Hub.Auth;
using Alert.Hub.Audit;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Sensors;

/// <summary>A level a station's reading reaches at <see cref="Value"/> or above: the evacuation level a desk would weigh (3, 4, 5).</summary>
public sealed record Threshold(double Value, int Level);

public sealed record StationRequest(string? Name, string? Kind, string? AreaCode, IReadOnlyList<Threshold>? Thresholds);

/// <param name="Secret">What the feed signs its observations with; shown when the station is made, and to its desk.</param>
public sealed record Station(string Id, string Name, string Kind, string AreaCode, IReadOnlyList<Threshold> Thresholds, string Secret,
    double? LastValue, int LastLevel, DateTimeOffset? LastAt);

public sealed record ObservationRequest(double? Value, DateTimeOffset? At);

/// <summary>What an observation did: the level it stands at, and the draft it made when it rose across a threshold.</summary>
public sealed record ObservationReceipt(string StationId, int Level, string? DraftId, bool Stale);

/// <summary>A draft for the desk: the station, the level its reading reached, and what a notice of it would cover.</summary>
public sealed record Draft(string Id, string StationId, string StationName, string Kind, string AreaCode, int Level, double Value,
    DateTimeOffset ObservedAt, DateTimeOffset CreatedAt, string State, string? NoticeId, string DisasterType);

public sealed record DraftDecision(string? NoticeId);

/// <summary>
/// Sensor-triggered drafts. A desk registers the stations it watches (a river gauge, a wave gauge) with thresholds,
/// each the evacuation level it would weigh; the station's feed posts observations signed with the station's secret
/// (as the hub signs webhooks: <c>X-Alert-Signature: t=…,v1=…</c>). A reading that rises across a threshold makes a
/// draft, which the desk sees, and issues through the desk as any notice or dismisses. Nothing is published without a
/// person: a draft is never a notice.
/// </summary>
public static class SensorsApi
{
    public static readonly string[] Kinds = ["river-level", "wave-height"];
    private static readonly TimeSpan SignatureTolerance = TimeSpan.FromMinutes(5);
    private const int MaxName = 200;

    public static IEndpointRouteBuilder MapSensors(this IEndpointRouteBuilder app)
    {
        var stations = app.MapGroup("/api/v1/stations").WithTags("Sensors").RequireAuthorization(Roles.Issuer).AuditChanges();
        stations.MapGet("/", ListStations);
        stations.MapPut("/{id}", PutStation);
        stations.MapDelete("/{id}", DeleteStation);
        // The feed has no key of the hub's: its station's secret signs the body, and proves nothing else.
        app.MapPost("/api/v1/observations/{stationId}", Observe).WithTags("Sensors").AllowAnonymous();
        var drafts = app.MapGroup("/api/v1/drafts").WithTags("Sensors").RequireAuthorization(Roles.Issuer).AuditChanges();
        drafts.MapGet("/", ListDrafts);
        drafts.MapPost("/{id}/issued", (string id, HttpRequest request, ClaimsPrincipal user, Db db) => DecideAsync(id, "issued", request, user, db));
        drafts.MapPost("/{id}/dismissed", (string id, HttpRequest request, ClaimsPrincipal user, Db db) => DecideAsync(id, "dismissed", request, user, db));
        return app;
    }

    // Rows as Dapper fills them (by property: SQLite's integers are 64-bit, PostgreSQL's 32).
    private sealed record StationRow
    {
        public required string Id { get; init; }
        public required string IssuerId { get; init; }
        public required string Name { get; init; }
        public required string Kind { get; init; }
        public required string AreaCode { get; init; }
        public required string Thresholds { get; init; }
        public required string Secret { get; init; }
        public double? LastValue { get; init; }
        public int LastLevel { get; init; }
        public DateTimeOffset? LastAt { get; init; }

        public Station View => new(Id, Name, Kind, AreaCode, JsonSerializer.Deserialize<List<Threshold>>(Thresholds, JsonSerializerOptions.Web)!, Secret,
            LastValue, LastLevel, LastAt);
    }

    private const string StationColumns = """
        SELECT id, issuer_id AS issuerid, name, kind, area_code AS areacode, thresholds, secret, last_value AS lastvalue,
               last_level AS lastlevel, last_at AS lastat
        FROM stations
        """;

    private static async Task<Ok<List<Station>>> ListStations(ClaimsPrincipal user, Db db)
    {
        await using var connection = await db.OpenAsync();
        var rows = await connection.QueryAsync<StationRow>(StationColumns + " WHERE issuer_id = @id ORDER BY id", new { id = Identity.From(user).Id });
        return TypedResults.Ok(rows.Select(r => r.View).ToList());
    }

    /// <summary>Makes or changes one of the desk's stations; its secret is made once and kept.</summary>
    private static async Task<Results<Created<Station>, Ok<Station>, ProblemHttpResult>> PutStation(string id, HttpRequest request, ClaimsPrincipal user,
        Db db, Gazetteer gazetteer)
    {
        var issuer = Identity.From(user);
        var (body, malformed) = await HubProblems.ReadJsonAsync<StationRequest>(request);
        if (malformed is not null) return malformed;
        body ??= new StationRequest(null, null, null, null);
        var problems = Validate(id, body, gazetteer);
        if (problems.Count > 0)
            return HubProblems.Result(StatusCodes.Status422UnprocessableEntity, "station.invalid", "観測所の設定に誤りがあります。",
                "The station is not valid; see each error.", problems);
        var area = gazetteer.Find(LocalGovernmentCode.Parse(body.AreaCode!))!;
        // Drafts are evacuation information: a municipality's desk for its own area, a prefecture's for its municipalities (代行).
        if (!Intake.IssuerScope.LooksAfter(issuer, area, gazetteer))
            return HubProblems.One(StatusCodes.Status403Forbidden, "station.out-of-scope",
                $"{area.Name} の観測所は登録できません。自らの区域（市区町村、都道府県）の中の観測所だけを登録できます。",
                $"A station for {area.Name} cannot be registered here: a desk registers stations of its own area only.", "$.areaCode");

        var now = DateTimeOffset.UtcNow;
        var thresholds = JsonSerializer.Serialize(body.Thresholds, JsonSerializerOptions.Web);
        var code = LocalGovernmentCode.Parse(area.Code).WithCheckDigit;
        await using var connection = await db.OpenAsync();
        var existing = await connection.QuerySingleOrDefaultAsync<StationRow>(StationColumns + " WHERE id = @id", new { id });
        if (existing is not null && existing.IssuerId != issuer.Id)
            return HubProblems.One(StatusCodes.Status409Conflict, "station.id.taken", $"観測所 ID「{id}」は他の発信者が使っています。別の ID を付けてください。",
                $"Station id '{id}' is used by another issuer; give yours another id.");
        if (existing is null)
        {
            var secret = WebhookSignature.NewSecret();
            await connection.ExecuteAsync("""
                INSERT INTO stations (id, issuer_id, name, kind, area_code, thresholds, secret, created_at, updated_at)
                VALUES (@id, @issuer, @Name, @Kind, @code, @thresholds, @secret, @now, @now)
                """, new { id, issuer = issuer.Id, body.Name, body.Kind, code, thresholds, secret, now });
            return TypedResults.Created($"/api/v1/stations/{id}", new Station(id, body.Name!, body.Kind!, code, body.Thresholds!, secret, null, 0, null));
        }
        // New thresholds apply from the next reading: the level it stood at is kept, so a change never makes a draft by itself.
        await connection.ExecuteAsync("""
            UPDATE stations SET name = @Name, kind = @Kind, area_code = @code, thresholds = @thresholds, updated_at = @now WHERE id = @id
            """, new { id, body.Name, body.Kind, code, thresholds, now });
        return TypedResults.Ok(existing.View with { Name = body.Name!, Kind = body.Kind!, AreaCode = code, Thresholds = body.Thresholds! });
    }

    /// <summary>Takes a station out of service with its drafts; its feed's readings are refused from then on. Someone else's answers 404.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteStation(string id, ClaimsPrincipal user, Db db)
    {
        await using var connection = await db.OpenAsync();
        // Its drafts go with it (ON DELETE CASCADE; the hub's SQLite connections enforce foreign keys too).
        var deleted = await connection.ExecuteAsync("DELETE FROM stations WHERE id = @id AND issuer_id = @by", new { id, by = Identity.From(user).Id });
        return deleted == 1 ? TypedResults.NoContent()
            : HubProblems.One(StatusCodes.Status404NotFound, "station.not-found", $"観測所 {id} はありません。", $"There is no station {id}.");
    }

    private static List<Problem> Validate(string id, StationRequest body, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        void Add(string code, string path, string ja, string en) => problems.Add(new Problem(code, path, null, null, ja, en));
        if (!System.Text.RegularExpressions.Regex.IsMatch(id, "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"))
            Add("station.id.invalid", "/id", "観測所 ID は英数字で始まる 64 文字までの英数字・「.」「-」「_」です。",
                "A station id is up to 64 letters, digits, '.', '-' or '_', starting with a letter or digit.");
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxName)
            Add("station.name.invalid", "$.name", $"観測所名 (name) を {MaxName} 文字までで入れてください。", $"name is required, up to {MaxName} characters.");
        if (body.Kind is null || !Kinds.Contains(body.Kind))
            Add("station.kind.invalid", "$.kind", $"kind は {string.Join("、", Kinds)} のいずれかです。", $"kind is one of {string.Join(", ", Kinds)}.");
        if (body.AreaCode is null || !LocalGovernmentCode.TryParse(body.AreaCode, out var code, out _) || gazetteer.Find(code) is null)
            Add("station.area-code.invalid", "$.areaCode", $"areaCode「{body.AreaCode}」は市区町村コードではありません。",
                $"areaCode '{body.AreaCode}' is not a municipality or ward code.");
        var thresholds = body.Thresholds ?? [];
        if (thresholds.Count is < 1 or > 3)
            Add("station.thresholds.invalid", "$.thresholds", "thresholds に 1〜3 個の基準（値と警戒レベル）を入れてください。",
                "thresholds holds 1 to 3 levels, each a value and the 警戒レベル it stands for.");
        foreach (var (t, i) in thresholds.Select((t, i) => (t, i)))
        {
            if (t is null || t.Level is < 3 or > 5 || !double.IsFinite(t.Value))
                Add("station.thresholds.invalid", $"$.thresholds[{i}]", "各基準は値 (value) と警戒レベル (level: 3、4、5) です。",
                    "Each threshold is a value and a level (3, 4 or 5).");
            else if (i > 0 && thresholds[i - 1] is { } before && (t.Value <= before.Value || t.Level <= before.Level))
                Add("station.thresholds.order", $"$.thresholds[{i}]", "基準は値もレベルも小さい順に並べてください。",
                    "Thresholds go up: each a higher value and a higher level than the one before.");
        }
        return problems;
    }

    /// <summary>
    /// One reading of a station, signed with its secret. The level it stands at is the highest threshold it reaches;
    /// when that is above the last reading's, a draft is made for the desk. A reading older than the last is kept out.
    /// </summary>
    private static async Task<Results<Accepted<ObservationReceipt>, ProblemHttpResult>> Observe(string stationId,
        HttpRequest request, Db db)
    {
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy);
        var bytes = copy.ToArray();
        await using var connection = await db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var station = await connection.QuerySingleOrDefaultAsync<StationRow>(StationColumns + " WHERE id = @stationId", new { stationId }, tx);
        // An unknown station and a wrong signature get the same answer: the endpoint tells no one which stations exist.
        if (station is null || !WebhookSignature.Verify(station.Secret, request.Headers[WebhookSignature.Header], bytes, DateTimeOffset.UtcNow, SignatureTolerance))
            return HubProblems.One(StatusCodes.Status401Unauthorized, "observation.signature",
                $"{WebhookSignature.Header} の署名を確かめられません。観測所の secret で、時刻と本文に署名してください（時刻のずれは 5 分まで）。",
                $"The {WebhookSignature.Header} signature does not verify: sign the time and the body with the station's secret (at most 5 minutes off).",
                "/header/" + WebhookSignature.Header);

        ObservationRequest? body;
        try
        {
            body = JsonSerializer.Deserialize<ObservationRequest>(bytes, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            return HubProblems.Malformed(ex);
        }
        var problems = new List<Problem>();
        if (body?.Value is not { } value || !double.IsFinite(value))
            problems.Add(new Problem("observation.value.invalid", "$.value", null, null, "value に観測値（数値）を入れてください。", "value is the reading, a number."));
        if (body?.At is not { } at || at > DateTimeOffset.UtcNow.AddMinutes(5))
            problems.Add(new Problem("observation.at.invalid", "$.at", null, null, "at に観測時刻（時差付き、例 2026-07-01T03:00:00+09:00）を入れてください。未来の時刻は受け付けません。",
                "at is when it was read, with its offset (e.g. 2026-07-01T03:00:00+09:00), not in the future."));
        if (problems.Count > 0)
            return HubProblems.Result(StatusCodes.Status400BadRequest, "observation.invalid", "観測値に誤りがあります。", "The observation is not valid; see each error.", problems);

        var (reading, observed) = (body!.Value!.Value, body.At!.Value);
        if (station.LastAt is { } last && observed <= last)
            return TypedResults.Accepted((string?)null, new ObservationReceipt(stationId, station.LastLevel, null, Stale: true));
        var level = station.View.Thresholds.Where(t => reading >= t.Value).Select(t => t.Level).DefaultIfEmpty(0).Max();
        string? draft = null;
        if (level > station.LastLevel)
        {
            draft = Guid.CreateVersion7().ToString("N");
            await connection.ExecuteAsync("""
                INSERT INTO drafts (id, station_id, issuer_id, level, value, observed_at, created_at)
                VALUES (@draft, @stationId, @issuer, @level, @reading, @observed, @now)
                """, new { draft, stationId, issuer = station.IssuerId, level, reading, observed, now = DateTimeOffset.UtcNow }, tx);
        }
        await connection.ExecuteAsync("UPDATE stations SET last_value = @reading, last_level = @level, last_at = @observed WHERE id = @stationId",
            new { reading, level, observed, stationId }, tx);
        await tx.CommitAsync();
        return TypedResults.Accepted((string?)null, new ObservationReceipt(stationId, level, draft, Stale: false));
    }

    private const string DraftColumns = """
        SELECT d.id, d.station_id AS stationid, s.name AS stationname, s.kind, s.area_code AS areacode, d.level, d.value,
               d.observed_at AS observedat, d.created_at AS createdat, d.state, d.notice_id AS noticeid
        FROM drafts d JOIN stations s ON s.id = d.station_id
        """;

    private sealed record DraftRow
    {
        public required string Id { get; init; }
        public required string StationId { get; init; }
        public required string StationName { get; init; }
        public required string Kind { get; init; }
        public required string AreaCode { get; init; }
        public int Level { get; init; }
        public double Value { get; init; }
        public DateTimeOffset ObservedAt { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public required string State { get; init; }
        public string? NoticeId { get; init; }

        // A river over its banks floods; a wave gauge's reading is a storm surge's (a tsunami is JMA's warning, not a gauge's).
        public Draft View => new(Id, StationId, StationName, Kind, AreaCode, Level, Value, ObservedAt, CreatedAt, State, NoticeId,
            Kind == "river-level" ? "flood" : "storm-surge");
    }

    /// <summary>The desk's drafts, newest first: open ones, or <c>?state=all</c> with those decided.</summary>
    private static async Task<Ok<List<Draft>>> ListDrafts(string? state, ClaimsPrincipal user, Db db)
    {
        await using var connection = await db.OpenAsync();
        var rows = await connection.QueryAsync<DraftRow>(DraftColumns + """
             WHERE d.issuer_id = @id AND (@all OR d.state = 'open') ORDER BY d.created_at DESC, d.id DESC LIMIT 200
            """, new { id = Identity.From(user).Id, all = state == "all" });
        return TypedResults.Ok(rows.Select(r => r.View).ToList());
    }

    /// <summary>The desk's decision on an open draft: issued (with the notice a person sent) or dismissed. Someone else's answers 404.</summary>
    private static async Task<Results<Ok<Draft>, ProblemHttpResult>> DecideAsync(string id, string decision, HttpRequest request, ClaimsPrincipal user, Db db)
    {
        var issuer = Identity.From(user);
        var (decided, malformed) = request.ContentLength > 0 ? await HubProblems.ReadJsonAsync<DraftDecision>(request) : (null, null);
        if (malformed is not null) return malformed;
        var noticeId = decided?.NoticeId;
        await using var connection = await db.OpenAsync();
        var changed = await connection.ExecuteAsync("""
            UPDATE drafts SET state = @decision, decided_at = @now, decided_by = @by, notice_id = @noticeId
            WHERE id = @id AND issuer_id = @by AND state = 'open'
            """, new { id, decision, now = DateTimeOffset.UtcNow, by = issuer.Id, noticeId });
        var row = await connection.QuerySingleOrDefaultAsync<DraftRow>(DraftColumns + " WHERE d.id = @id AND d.issuer_id = @by", new { id, by = issuer.Id });
        if (row is null)
            return HubProblems.One(StatusCodes.Status404NotFound, "draft.not-found", $"下書き {id} はありません。", $"There is no draft {id}.");
        return changed == 1 ? TypedResults.Ok(row.View)
            : HubProblems.One(StatusCodes.Status409Conflict, "draft.decided", $"この下書きはすでに {row.State} です。", $"This draft is already {row.State}.");
    }
}
