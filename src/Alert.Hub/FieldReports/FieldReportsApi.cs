using System.Globalization;
using System.Security.Claims;
using System.Text;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Core.Rendering;
using Alert.Geo;
using Alert.Hub.Audit;
using Alert.Hub.Auth;
using Alert.Hub.Intake;
using Alert.Hub.Limits;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alert.Hub.FieldReports;

public sealed record FieldPhoto(string Id, int Width, int Height, string Url, string ThumbUrl);

/// <param name="Located">False when neither the device nor a photo gave a position: kept for the desk, never on a map.</param>
/// <param name="Duplicates">Reports the desk merged into this one, as of the same site.</param>
public sealed record FieldReport(string Id, string ReporterId, string ReporterName, string AreaCode, string AreaName, string Category,
    string? Comment, double? Lat, double? Lng, string? LocatedBy, bool Located, DateTimeOffset PostedAt, string State, string? MergedInto,
    IReadOnlyList<string> Duplicates, string? NoticeId, IReadOnlyList<FieldPhoto> Photos);

public sealed record MergeRequest(string? Into);

public sealed record DamageNoticeRequest(IReadOnlyList<string>? Reports, string? Mode);

/// <summary>
/// Field reports (参加型情報収集). Field staff post what they see — a category, a comment, a position and photos — from
/// a phone; the desk that looks after the place verifies each, merges duplicates of one site, rejects what is wrong, and
/// turns a verified set into a damage notice, which intake checks and delivers as any other. Nothing of a report is
/// public before a person verified it; a report without a position is kept and flagged, and never drawn on a map.
/// </summary>
public static class FieldReportsApi
{
    /// <summary>The categories by the name the form and the notice use (road-blocked …), each the kind of damage site it becomes.</summary>
    public static readonly IReadOnlyDictionary<string, DamageSiteKind> Categories = Enum.GetValues<DamageSiteKind>().ToDictionary(PhraseKey.Kebab);
    private const int MaxComment = 500; // what a damage site's note holds

    public static IEndpointRouteBuilder MapFieldReports(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/field-reports").WithTags("Field reports");
        group.MapPost("/", Post).RequireAuthorization(Roles.Field).WithMetadata(BodyLimits.FieldReports).DisableAntiforgery();
        group.MapGet("/", List).RequireAuthorization(p => p.RequireRole(Roles.Issuer, Roles.Field));
        group.MapGet("/{id}", Get).RequireAuthorization(p => p.RequireRole(Roles.Issuer, Roles.Field));
        // A verified report's photos are public (a damage notice links them); others only to its reporter and its desk.
        group.MapGet("/photos/{photoId}", GetPhoto).AllowAnonymous();
        var desk = group.MapGroup("/").RequireAuthorization(Roles.Issuer).AuditChanges();
        desk.MapPost("/{id}/verified", (string id, ClaimsPrincipal user, Db db, Gazetteer gazetteer) => DecideAsync(id, "verified", ["new"], user, db, gazetteer));
        desk.MapPost("/{id}/rejected", (string id, ClaimsPrincipal user, Db db, Gazetteer gazetteer) => DecideAsync(id, "rejected", ["new", "verified"], user, db, gazetteer));
        desk.MapPost("/{id}/merged", Merge);
        desk.MapPost("/damage-notice", DamageNotice);
        return app;
    }

    // Rows as Dapper fills them (by property: SQLite's integers are 64-bit, PostgreSQL's 32).
    private sealed record Row
    {
        public required string Id { get; init; }
        public required string ReporterId { get; init; }
        public required string ReporterName { get; init; }
        public required string AreaCode { get; init; }
        public required string Category { get; init; }
        public string? Comment { get; init; }
        public double? Lat { get; init; }
        public double? Lng { get; init; }
        public string? LocatedBy { get; init; }
        public DateTimeOffset PostedAt { get; init; }
        public required string State { get; init; }
        public string? MergedInto { get; init; }
        public string? NoticeId { get; init; }
        public DateTimeOffset? DecidedAt { get; init; }
    }

    private sealed record PhotoRow
    {
        public required string Id { get; init; }
        public required string ReportId { get; init; }
        public int Width { get; init; }
        public int Height { get; init; }
    }

    private const string Columns = """
        SELECT r.id, r.reporter_id AS reporterid, i.name AS reportername, r.area_code AS areacode, r.category, r.comment, r.lat, r.lng,
               r.located_by AS locatedby, r.posted_at AS postedat, r.state, r.merged_into AS mergedinto, r.notice_id AS noticeid,
               r.decided_at AS decidedat
        FROM field_reports r JOIN identities i ON i.id = r.reporter_id
        """;

    private static string PhotoUrl(string photoId) => $"/api/v1/field-reports/photos/{photoId}";

    private static Task<Row?> RowAsync(System.Data.Common.DbConnection connection, string id) =>
        connection.QuerySingleOrDefaultAsync<Row>(Columns + " WHERE r.id = @id", new { id });

    private static async Task<FieldReport> ViewAsync(Db db, System.Data.Common.DbConnection connection, string id, Gazetteer gazetteer) =>
        (await ViewAsync(db, connection, [(await RowAsync(connection, id))!], gazetteer))[0];

    /// <summary>The reports as the API shows them, with their photos and the duplicates merged into them.</summary>
    private static async Task<List<FieldReport>> ViewAsync(Db db, System.Data.Common.DbConnection connection, IReadOnlyList<Row> rows, Gazetteer gazetteer)
    {
        if (rows.Count == 0) return [];
        var ids = rows.Select(r => r.Id).ToArray();
        var photos = (await connection.QueryAsync<PhotoRow>(
            $"SELECT id, report_id AS reportid, width, height FROM field_photos WHERE {db.AnyOf("report_id", "ids")} ORDER BY n", new { ids })).ToLookup(p => p.ReportId);
        var merged = (await connection.QueryAsync<(string Id, string Into)>(
            $"SELECT id, merged_into FROM field_reports WHERE {db.AnyOf("merged_into", "ids")} ORDER BY id", new { ids })).ToLookup(m => m.Into, m => m.Id);
        return [.. rows.Select(r => new FieldReport(r.Id, r.ReporterId, r.ReporterName, r.AreaCode,
            gazetteer.Find(LocalGovernmentCode.Parse(r.AreaCode))?.Name ?? "", r.Category, r.Comment, r.Lat, r.Lng, r.LocatedBy, r.Lat is not null,
            r.PostedAt, r.State, r.MergedInto, [.. merged[r.Id]], r.NoticeId,
            [.. photos[r.Id].Select(p => new FieldPhoto(p.Id, p.Width, p.Height, PhotoUrl(p.Id), PhotoUrl(p.Id) + "?size=thumb"))]))];
    }

    /// <summary>Who may see a report: its reporter, and the desk that looks after its area.</summary>
    private static bool MaySee(Identity caller, Row row, Gazetteer gazetteer) =>
        caller.Role == Roles.Field ? row.ReporterId == caller.Id
        : caller.Role == Roles.Issuer && gazetteer.Find(LocalGovernmentCode.Parse(row.AreaCode)) is { } area && IssuerScope.LooksAfter(caller, area, gazetteer);

    /// <summary>
    /// A report from the field, as multipart/form-data: <c>category</c>, <c>comment</c>, <c>lat</c> and <c>lng</c> (the
    /// device's position), and up to <see cref="HubOptions.MaxPhotosPerReport"/> photos (JPEG or PNG) as <c>photo</c>.
    /// Without a device position the first photo's EXIF GPS places it; without either it is kept, flagged, in the
    /// reporter's own area. Every problem is answered at once and nothing is kept.
    /// </summary>
    private static async Task<Results<Created<FieldReport>, ProblemHttpResult>> Post(HttpRequest request, ClaimsPrincipal user, Db db,
        Gazetteer gazetteer, IOptions<HubOptions> options, CancellationToken ct)
    {
        if (!request.HasFormContentType)
            return HubProblems.One(StatusCodes.Status415UnsupportedMediaType, "field-report.content-type",
                "現地報告は multipart/form-data で送ってください（写真はファイルとして添付）。", "Send a field report as multipart/form-data, photos attached as files.");
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (InvalidDataException ex)
        {
            return HubProblems.One(StatusCodes.Status400BadRequest, "field-report.form.unreadable",
                $"フォームを読み取れません: {ex.Message} 何も保存されていません。", $"The form could not be read: {ex.Message} Nothing was stored.");
        }

        var reporter = Identity.From(user);
        var problems = new List<Problem>();
        void Add(string code, string path, string ja, string en) => problems.Add(new Problem(code, path, null, null, ja, en));

        var category = form["category"].ToString();
        if (!Categories.ContainsKey(category))
            Add("field-report.category.invalid", "/form/category", $"category は {string.Join("、", Categories.Keys)} のいずれかです。",
                $"category is one of {string.Join(", ", Categories.Keys)}.");
        var comment = form["comment"].ToString().Trim();
        // The comment becomes a damage notice's XML: a character XML cannot carry would stop every notice it went into.
        if (comment.Any(c => !System.Xml.XmlConvert.IsXmlChar(c) && !char.IsSurrogate(c)))
            Add("field-report.comment.invalid-char", "/form/comment", "comment に使えない文字（制御文字など）が含まれています。",
                "comment holds a character that cannot be sent on (a control character or the like).");
        if (comment.Length > MaxComment)
            Add("field-report.comment.too-long", "/form/comment", $"comment は {MaxComment} 文字までです（{comment.Length} 文字）。",
                $"comment is up to {MaxComment} characters ({comment.Length} given).");

        (double Lat, double Lng, Municipality Where)? device = null;
        var (latText, lngText) = (form["lat"].ToString(), form["lng"].ToString());
        if (latText.Length > 0 || lngText.Length > 0)
        {
            if (!double.TryParse(latText, NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || !double.IsFinite(lat)
                || !double.TryParse(lngText, NumberStyles.Float, CultureInfo.InvariantCulture, out var lng) || !double.IsFinite(lng))
                Add("field-report.location.invalid", "/form/lat", "lat と lng は両方を数値（度、例 32.8031 と 130.7079）で入れてください。",
                    "Give both lat and lng as numbers in degrees (e.g. 32.8031 and 130.7079).");
            else if (!NoticeRules.InJapan(lat, lng))
                Add("field-report.location.outside", "/form/lat", $"位置（緯度 {latText}、経度 {lngText}）は日本の範囲外です。緯度と経度を取り違えていないか確かめてください。",
                    $"The position (lat {latText}, lng {lngText}) is outside Japan; check that latitude and longitude are not swapped.");
            // A phone on a quay or a shore can stand outside the simplified boundaries: then the photo places the report,
            // or it is kept unplaced and flagged, as a report without a position; never refused for it.
            else if (gazetteer.At(lat, lng) is { } where)
                device = (lat, lng, where);
        }

        var max = options.Value;
        if (form.Files.Count > max.MaxPhotosPerReport)
            Add("field-report.photos.too-many", "/form/photo", $"写真は {max.MaxPhotosPerReport} 枚までです（{form.Files.Count} 枚）。",
                $"At most {max.MaxPhotosPerReport} photos ({form.Files.Count} given).");
        var photos = new List<Photo>();
        foreach (var (file, i) in form.Files.Take(max.MaxPhotosPerReport).Select((f, i) => (f, i)))
        {
            var path = $"/form/photo[{i + 1}]"; // counted from 1, as the hub's other slash paths
            if (file.Length > max.MaxPhotoBytes)
            {
                Add("field-report.photo.too-large", path, $"写真「{file.FileName}」が大きすぎます（上限 {max.MaxPhotoBytes:N0} バイト）。",
                    $"Photo '{file.FileName}' is too large (limit {max.MaxPhotoBytes:N0} bytes).");
                continue;
            }
            using var copy = new MemoryStream();
            await file.CopyToAsync(copy, ct);
            var (photo, refusal) = await Photos.ReadAsync(copy.ToArray(), ct);
            if (photo is not null) photos.Add(photo);
            else if (refusal == Photos.Refusal.TooManyPixels)
                Add("field-report.photo.too-large", path, $"写真「{file.FileName}」の画素数が多すぎます（JPEG は 5000 万、PNG は 1600 万画素まで）。",
                    $"Photo '{file.FileName}' has too many pixels (50 megapixels at most for JPEG, 16 for PNG).");
            else
                Add("field-report.photo.unreadable", path, $"写真「{file.FileName}」は JPEG か PNG の画像として読めません。",
                    $"Photo '{file.FileName}' cannot be read as a JPEG or PNG image.");
        }
        if (problems.Count > 0)
            return HubProblems.Result(StatusCodes.Status422UnprocessableEntity, "field-report.invalid", "現地報告に誤りがあります。何も保存されていません。",
                "The field report is not valid; nothing was stored. See each error.", problems);

        // The device's position first (where the person stands now), else where a photo was taken, if it is in Japan.
        var (at, locatedBy) = (device, device is null ? null : "device");
        foreach (var p in at is null ? photos : [])
        {
            if (p.Lat is not { } la || p.Lng is not { } lo || gazetteer.At(la, lo) is not { } where) continue;
            (at, locatedBy) = ((la, lo, where), "photo");
            break;
        }
        var areaCode = at?.Where.Code ?? reporter.AreaCode!;

        var id = Guid.CreateVersion7().ToString("N");
        var now = DateTimeOffset.UtcNow;
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync("""
            INSERT INTO field_reports (id, reporter_id, area_code, category, comment, lat, lng, located_by, posted_at)
            VALUES (@id, @reporter, @area, @category, @comment, @lat, @lng, @locatedBy, @now)
            """, new { id, reporter = reporter.Id, area = LocalGovernmentCode.Parse(areaCode).WithCheckDigit, category,
                comment = comment.Length == 0 ? null : comment, lat = at?.Lat, lng = at?.Lng, locatedBy, now }, tx);
        foreach (var (photo, n) in photos.Select((p, n) => (p, n)))
            await connection.ExecuteAsync("""
                INSERT INTO field_photos (id, report_id, n, width, height, large, thumb) VALUES (@photoId, @id, @n, @Width, @Height, @Large, @Thumb)
                """, new { photoId = Guid.CreateVersion7().ToString("N"), id, n, photo.Width, photo.Height, photo.Large, photo.Thumb }, tx);
        await tx.CommitAsync(ct);

        return TypedResults.Created($"/api/v1/field-reports/{id}", await ViewAsync(db, connection, id, gazetteer));
    }

    /// <summary>
    /// A desk's reports (of the areas it looks after), or field staff's own; newest first. <c>?state=</c> narrows them
    /// (new, verified, rejected, merged, reported); by default all but the rejected and merged.
    /// </summary>
    private static async Task<Ok<List<FieldReport>>> List(string? state, ClaimsPrincipal user, Db db, Gazetteer gazetteer)
    {
        var caller = Identity.From(user);
        await using var connection = await db.OpenAsync();
        // A desk's areas all share its prefecture's two digits: the database narrows to those, the gazetteer decides.
        var rows = await connection.QueryAsync<Row>(Columns + """
             WHERE (r.reporter_id = @id OR (@desk AND r.area_code LIKE @prefecture))
               AND (r.state = @state OR (@state IS NULL AND r.state NOT IN ('rejected', 'merged')))
             ORDER BY r.posted_at DESC, r.id DESC
            """, new { id = caller.Id, desk = caller.Role == Roles.Issuer, prefecture = (caller.AreaCode ?? "--")[..2] + "%", state });
        // The newest 500 of the desk's own: its neighbours' reports never crowd them out (a prefecture's are thousands at most).
        return TypedResults.Ok(await ViewAsync(db, connection, [.. rows.Where(r => MaySee(caller, r, gazetteer)).Take(500)], gazetteer));
    }

    private static async Task<Results<Ok<FieldReport>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, Db db, Gazetteer gazetteer)
    {
        await using var connection = await db.OpenAsync();
        var row = await RowAsync(connection, id);
        return row is not null && MaySee(Identity.From(user), row, gazetteer) ? TypedResults.Ok((await ViewAsync(db, connection, [row], gazetteer))[0]) : NotFound(id);
    }

    private static ProblemHttpResult NotFound(string id) =>
        HubProblems.One(StatusCodes.Status404NotFound, "field-report.not-found", $"現地報告 {id} はありません。", $"There is no field report {id}.");

    /// <summary>A photo at 1600 px, or 320 px with <c>?size=thumb</c>. Unknown and not-yet-public photos alike answer 404.</summary>
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetPhoto(string photoId, string? size, HttpContext http, Db db, Gazetteer gazetteer)
    {
        await using var connection = await db.OpenAsync();
        var report = await connection.QuerySingleOrDefaultAsync<Row>(Columns + " WHERE r.id = (SELECT report_id FROM field_photos WHERE id = @photoId)", new { photoId });
        var published = report?.State is "verified" or "reported";
        if (report is null || (!published && !(http.User.Identity?.IsAuthenticated == true && MaySee(Identity.From(http.User), report, gazetteer))))
            return HubProblems.One(StatusCodes.Status404NotFound, "field-report.photo.not-found", $"写真 {photoId} はありません。", $"There is no photo {photoId}.");
        var bytes = await connection.QuerySingleAsync<byte[]>(
            size == "thumb" ? "SELECT thumb FROM field_photos WHERE id = @photoId" : "SELECT large FROM field_photos WHERE id = @photoId", new { photoId });
        // A photo never changes, but a desk may still reject a verified report: caches keep a public one minutes, not days.
        http.Response.Headers.CacheControl = published ? "public, max-age=300" : "private, no-store";
        return TypedResults.File(bytes, "image/jpeg");
    }

    /// <summary>The desk's decision on one of its reports, from the states it may come from; another desk's answers 404.</summary>
    private static async Task<Results<Ok<FieldReport>, ProblemHttpResult>> DecideAsync(string id, string decision, string[] from,
        ClaimsPrincipal user, Db db, Gazetteer gazetteer)
    {
        var desk = Identity.From(user);
        await using var connection = await db.OpenAsync();
        var row = await RowAsync(connection, id);
        if (row is null || !MaySee(desk, row, gazetteer)) return NotFound(id);
        var changed = await connection.ExecuteAsync($"""
            UPDATE field_reports SET state = @decision, decided_at = @now, decided_by = @by
            WHERE id = @id AND {db.AnyOf("state", "from")}
            """, new { id, decision, from, now = DateTimeOffset.UtcNow, by = desk.Id });
        var now = await ViewAsync(db, connection, id, gazetteer);
        return changed == 1 ? TypedResults.Ok(now)
            : HubProblems.One(StatusCodes.Status409Conflict, "field-report.state", $"この現地報告はすでに {now.State} です。", $"This field report is already {now.State}.");
    }

    /// <summary>Marks a report a duplicate of another of the same site (<c>{"into": "…"}</c>), which stays and lists it.</summary>
    private static async Task<Results<Ok<FieldReport>, ProblemHttpResult>> Merge(string id, HttpRequest request, ClaimsPrincipal user, Db db, Gazetteer gazetteer)
    {
        var (body, malformed) = await HubProblems.ReadJsonAsync<MergeRequest>(request);
        if (malformed is not null) return malformed;
        if (body?.Into is not { } into || into == id)
            return HubProblems.One(StatusCodes.Status422UnprocessableEntity, "field-report.merge.invalid", "into に、残す方の現地報告の ID を入れてください（自分自身は不可）。",
                "into names the report to keep (not this one).", "$.into");
        var desk = Identity.From(user);
        await using var connection = await db.OpenAsync();
        var merged = await RowAsync(connection, id);
        if (merged is null || !MaySee(desk, merged, gazetteer)) return NotFound(id);
        var kept = await RowAsync(connection, into);
        if (kept is null || !MaySee(desk, kept, gazetteer)) return NotFound(into);

        // "A into B" and "B into A" at once must not both hold: both rows are locked in id order first (PostgreSQL;
        // SQLite's one writer is held from the transaction's first write), and the kept one's state is read after.
        await using (var tx = await connection.BeginTransactionAsync())
        {
            if (db.Kind == DatabaseKind.Postgres)
                await connection.ExecuteAsync("SELECT id FROM field_reports WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", new { ids = new[] { id, into } }, tx);
            var changed = await connection.ExecuteAsync("""
                UPDATE field_reports SET state = 'merged', merged_into = @into, decided_at = @now, decided_by = @by
                WHERE id = @id AND state IN ('new', 'verified')
                """, new { id, into, now = DateTimeOffset.UtcNow, by = desk.Id }, tx);
            var keptState = await connection.ExecuteScalarAsync<string>("SELECT state FROM field_reports WHERE id = @into", new { into }, tx);
            if (changed == 1 && keptState is "new" or "verified")
            {
                await tx.CommitAsync();
            }
            else
            {
                await tx.RollbackAsync();
                return changed == 1
                    ? HubProblems.One(StatusCodes.Status409Conflict, "field-report.state", $"統合先の現地報告はすでに {keptState} です。", $"The report to keep is already {keptState}.", "$.into")
                    : HubProblems.One(StatusCodes.Status409Conflict, "field-report.state", $"この現地報告はすでに {merged.State} です。", $"This field report is already {merged.State}.");
            }
        }
        return TypedResults.Ok(await ViewAsync(db, connection, id, gazetteer));
    }

    /// <summary>
    /// A damage notice of verified reports (<c>{"reports": […], "mode": "Actual"}</c>): one report per municipality, each
    /// report a site with its category, position, comment and first photo; the next set is the next revision of it. The desk's figures (dead, missing, houses) are
    /// not guessed from photos: the notice carries none, and the desk sends them as it counts them. The notice goes
    /// through intake as any other; the reports then say which notice carried them.
    /// </summary>
    private static async Task<Results<Accepted<NoticeReceipt>, ProblemHttpResult>> DamageNotice(HttpRequest request, ClaimsPrincipal user, Db db,
        [AsParameters] NoticesApi.Intake intake, CancellationToken ct)
    {
        var (body, malformed) = await HubProblems.ReadJsonAsync<DamageNoticeRequest>(request);
        if (malformed is not null) return malformed;
        var desk = Identity.From(user);
        var gazetteer = intake.Gazetteer;
        var ids = body?.Reports ?? [];
        var problems = new List<Problem>();
        void Add(string code, string path, string ja, string en) => problems.Add(new Problem(code, path, null, null, ja, en));
        if (ids.Count is 0 or > 1000 || ids.Any(string.IsNullOrWhiteSpace))
            Add("field-report.set.invalid", "$.reports", "reports に、確認済みの現地報告の ID を 1〜1000 件入れてください。", "reports lists 1 to 1,000 verified field reports.");
        var mode = NoticesApi.Named<NoticeMode>(body?.Mode ?? nameof(NoticeMode.Actual));
        if (mode is null)
            Add("field-report.mode.invalid", "$.mode", "mode は Actual、Exercise、Test のいずれかです。", "mode is Actual, Exercise or Test.");

        // A send that never finished (the hub stopped mid-way) leaves its reports "sending": after this, they are verified again.
        var stale = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5);
        ProblemHttpResult Refused() => HubProblems.Result(StatusCodes.Status422UnprocessableEntity, "field-report.set.invalid",
            "この組み合わせでは被害情報を作れません。何も送られていません。", "No damage notice can be made of these reports; nothing was sent. See each error.", problems);
        if (problems.Count > 0) return Refused();

        await using var connection = await db.OpenAsync(ct);
        var rows = (await connection.QueryAsync<Row>(Columns + $" WHERE {db.AnyOf("r.id", "ids")}", new { ids = ids.Distinct().ToArray() })).ToDictionary(r => r.Id);
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            if (!rows.TryGetValue(id, out var row) || !MaySee(desk, row, gazetteer))
                Add("field-report.not-found", $"$.reports[{i}]", $"現地報告 {id} はありません。", $"There is no field report {id}.");
            else if (row.State != "verified" && !(row.State == "sending" && row.DecidedAt < stale))
                Add("field-report.not-verified", $"$.reports[{i}]", $"現地報告 {id} は確認済みではありません（{row.State}）。確認してから含めてください。",
                    $"Field report {id} is not verified ({row.State}); verify it first.");
            else if (row.Lat is null)
                Add("field-report.no-location", $"$.reports[{i}]", $"現地報告 {id} には位置がありません。位置のある報告に統合してください。",
                    $"Field report {id} has no position; merge it into one that has.");
        }
        if (problems.Count > 0) return Refused();

        var chosen = ids.Distinct().Select(id => rows[id]).ToList();
        var photos = (await ViewAsync(db, connection, chosen, gazetteer)).ToDictionary(r => r.Id, r => r.Photos);
        var origin = $"{request.Scheme}://{request.Host}";
        var now = DateTimeOffset.UtcNow.ToOffset(JapanTime.Offset);
        var added = chosen.GroupBy(r => r.AreaCode).Select(g => new DamageReport(new AreaRef(g.Key, gazetteer.Find(LocalGovernmentCode.Parse(g.Key))!.Name),
            null, null, null, null, null, null, null, null, null, g.Max(r => r.PostedAt).ToOffset(JapanTime.Offset),
            [.. g.Select(r => new DamageSite(Categories[r.Category],
                new Location(Math.Round((decimal)r.Lat!.Value, 6), Math.Round((decimal)r.Lng!.Value, 6)), r.Comment,
                photos[r.Id] is [var photo, ..] ? origin + photo.Url : null))])).ToList();

        // A revision replaces its notice whole: the desk's damage notice of field reports still in force in this mode
        // gets the new sites added to what it says (its own figures kept), as the next revision; else a new one starts.
        var previous = await connection.QuerySingleOrDefaultAsync<byte[]>("""
            SELECT n.cap_body FROM documents d JOIN notices n ON n.document_id = d.id AND n.revision = d.current_revision
            WHERE d.issuer_id = @by AND d.status = @status AND d.state = 'active'
              AND d.id IN (SELECT notice_id FROM field_reports WHERE state = 'reported' AND decided_by = @by)
            ORDER BY d.updated_at DESC LIMIT 1
            """, new { by = desk.Id, status = mode.GetValueOrDefault().ToString() }) is { } cap
            && StoredCaps.Read(cap) is { } alert && NoticeCap.FromCap(alert) is { Body: DamageBody } earlier ? earlier : null;
        var issuerCode = LocalGovernmentCode.Parse(desk.AreaCode!).WithCheckDigit;
        var reports = previous?.Body is DamageBody before
            ? [.. before.Reports.Select(r => added.FirstOrDefault(a => a.Area.Code == r.Area.Code) is { } more
                    ? r with { At = r.At > more.At ? r.At : more.At, Sites = [.. r.Sites ?? [], .. more.Sites!] } : r),
               .. added.Where(a => before.Reports.All(r => r.Area.Code != a.Area.Code))]
            : added;
        var envelope = previous?.Envelope is { } last
            ? last with { Revision = last.Revision + 1, Kind = NoticeKind.Update, Sent = now, Reason = null, Areas = [.. reports.Select(r => r.Area)] }
            : new Envelope($"{issuerCode}-damage-{now:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..4]}", 1, issuerCode, desk.Name,
                mode.GetValueOrDefault(), NoticeKind.Issue, null, now, null, null, [.. reports.Select(r => r.Area)]);
        var notice = new Notice(envelope, new DamageBody(reports));

        // The set is claimed before it is sent: two sends of one report (a double click, a city's and its prefecture's
        // desk) make one notice, not two. The claim's token stands in notice_id until the notice's id replaces it.
        var claim = "claim-" + Guid.NewGuid().ToString("N");
        var chosenIds = chosen.Select(r => r.Id).ToArray();
        var claimed = await connection.ExecuteAsync($"""
            UPDATE field_reports SET state = 'sending', notice_id = @claim, decided_at = @now, decided_by = @by
            WHERE {db.AnyOf("id", "ids")} AND (state = 'verified' OR (state = 'sending' AND decided_at < @stale))
            """, new { claim, now = DateTimeOffset.UtcNow, by = desk.Id, ids = chosenIds, stale });
        async Task ReleaseAsync() => await connection.ExecuteAsync(
            "UPDATE field_reports SET state = 'verified', notice_id = NULL WHERE notice_id = @claim AND state = 'sending'", new { claim });
        if (claimed != chosenIds.Length)
        {
            await ReleaseAsync();
            return HubProblems.One(StatusCodes.Status409Conflict, "field-report.sending",
                "これらの報告の一部は、いま別の被害情報として送信中か、送信済みです。一覧を更新して確かめてください。何も送られていません。",
                "Some of these reports are being sent, or were sent, in another damage notice; refresh the list. Nothing was sent.");
        }

        Results<Accepted<NoticeReceipt>, ProblemHttpResult> result;
        try
        {
            result = await NoticesApi.AcceptAsync("notice-json", Encoding.UTF8.GetBytes(NoticeJson.Write(notice)), desk, QueryCollection.Empty, intake, ct);
        }
        catch
        {
            await ReleaseAsync();
            throw;
        }
        if (result.Result is Accepted<NoticeReceipt> { Value: { } receipt })
            await connection.ExecuteAsync("UPDATE field_reports SET state = 'reported', notice_id = @notice WHERE notice_id = @claim AND state = 'sending'",
                new { notice = receipt.Id, claim });
        else
            await ReleaseAsync();
        return result;
    }
}
