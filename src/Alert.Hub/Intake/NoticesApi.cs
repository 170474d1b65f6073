using System.Diagnostics;
using System.Security.Claims;
using Alert.Core;
using Alert.Core.Cap;
using Alert.Core.Codes;
using Alert.Core.Csv;
using Alert.Core.Notices;
using Alert.Core.Xml;
using System.Text;
using Alert.Geo;
using Alert.Hub.Audit;
using Alert.Hub.Auth;
using Alert.Hub.Limits;
using Alert.Hub.Messaging;
using Alert.Hub.Signatures;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Geometry = NetTopologySuite.Geometries.Geometry;
using Point = NetTopologySuite.Geometries.Point;
using NetTopologySuite.IO;

using Alert.Hub.Metrics;

namespace Alert.Hub.Intake;

public sealed record NoticeArea(string Code, string Name, IReadOnlyList<string> Parts);

public sealed record NoticeReceipt(string Id, int Revision, string MsgType, string Status, IReadOnlyList<NoticeArea> Areas, NoticeLinks Links)
{
    /// <summary>What was accepted but deserves a look: CSV rows left out on request, a shelter just outside its area.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<HubProblems.ProblemEntry>? Warnings { get; init; }

    /// <summary>The municipality's code when a prefecture issued this as 代行 for it.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ProxyFor { get; init; }
}

public sealed record NoticeLinks(string Self, string Cap);

public sealed record RevisionSummary
{
    public required int Revision { get; init; }
    public required string MsgType { get; init; }
    public required string Identifier { get; init; }
    public required string Title { get; init; }
    public required DateTimeOffset Sent { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The municipality's code when a prefecture issued this revision as 代行 for it.</summary>
    public string? ProxyFor { get; init; }

    /// <summary>The SHA-256 thumbprint of the issuer's certificate whose signature the hub verified; null when unsigned.</summary>
    public string? SignedWith { get; init; }
}

public sealed record DeliveryStatus
{
    public required string SubscriberId { get; init; }
    public required string Subscriber { get; init; }
    public required int Revision { get; init; }
    public required string State { get; init; }
    public required int Attempts { get; init; }
    public string? LastError { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>From the delivery's creation (the fan-out) to its receipt.</summary>
    public double? TookMs => DeliveredAt - CreatedAt is { } took ? Math.Round(took.TotalMilliseconds, 1) : null;
}

public sealed record NoticeStatus(string Id, string Status, string State, int CurrentRevision, IReadOnlyList<NoticeArea> Areas,
    IReadOnlyList<RevisionSummary> Revisions, IReadOnlyList<DeliveryStatus> Deliveries, NoticeLinks Links);

/// <summary>
/// Intake of CAP 1.2 and of native notices (XML or JSON): validate (XSD + rules), geocode, check the issuer's area,
/// then store with the outbox row and answer 202. Everything that can be wrong with a notice is found before the
/// answer, so nothing invalid is ever sent. Native notices go out as CAP written by the hub.
/// </summary>
public static partial class NoticesApi
{
    public static RouteGroupBuilder MapNotices(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/notices").WithTags("Notices").WithMetadata(BodyLimits.Notices);
        group.MapPost("/", Submit).RequireAuthorization(Roles.Issuer);
        group.MapPost("/validate", Validate).RequireAuthorization(p => p.RequireRole(Roles.Issuer, Roles.Admin));
        group.MapGet("/{id}", Get).RequireAuthorization(p => p.RequireRole(Roles.Issuer, Roles.Admin));
        group.MapGet("/{id}/revisions", GetRevisions).RequireAuthorization(p => p.RequireRole(Roles.Issuer, Roles.Admin));
        // CAP documents are public: feeds link them for broadcasters to pull.
        group.MapGet("/{id}/cap", GetCap);
        group.MapGet("/{id}/revisions/{revision:int}/cap", GetCap);
        // The native forms hold no more than the CAP (it carries the whole notice), so they are public too.
        group.MapGet("/{id}/revisions/{revision:int}/notice.xml", (string id, int revision, Db db, HubSigner signer) => GetNative(id, revision, "notice-xml", db, signer));
        group.MapGet("/{id}/revisions/{revision:int}/notice.json", (string id, int revision, Db db, HubSigner signer) => GetNative(id, revision, "notice-json", db, signer));
        group.MapGet("/{id}/area", GetArea);
        group.MapGet("/{id}/deliveries", GetDeliveries).RequireAuthorization(p => p.RequireRole(Roles.Issuer, Roles.Admin));
        group.MapPost("/{id}/deliveries/{subscriberId}/retry", Republish).RequireAuthorization(Roles.Admin).AuditChanges();
        return group;
    }

    /// <summary>What intake needs to check, store and announce a notice: the services of <see cref="AcceptAsync"/>.</summary>
    public sealed record Intake(NoticeStore Store, Gazetteer Gazetteer, TownIndex Towns, Addresses Addresses, Outbox Outbox, Alerts.ActiveAlerts Alerts,
        AuditLog Audit, IssuerCertificates Signatures, HubMetrics Metrics, IOptions<HubOptions> Options);

    private static async Task<Results<Accepted<NoticeReceipt>, ProblemHttpResult>> Submit(HttpRequest request, ClaimsPrincipal user,
        [AsParameters] Intake intake, CancellationToken ct)
    {
        var issuer = Identity.From(user);
        var (format, body, refusal) = await ReadAsync(request, intake.Options.Value, ct);
        if (refusal is not null) return await RefusedAsync(intake, issuer, refusal, request.ContentLength);
        return await AcceptAsync(format!, body!, issuer, request.Query, intake, ct);
    }

    /// <summary>
    /// Every check of the intake, then the store with its outbox row: the one way a notice enters the hub, whether a
    /// desk sent it or the hub made it of what a person chose (a damage notice of verified field reports).
    /// </summary>
    public static async Task<Results<Accepted<NoticeReceipt>, ProblemHttpResult>> AcceptAsync(string format, byte[] body, Identity issuer,
        IQueryCollection query, Intake intake, CancellationToken ct)
    {
        var (store, gazetteer, metrics) = (intake.Store, intake.Gazetteer, intake.Metrics);
        var started = Stopwatch.GetTimestamp(); // from here: how slowly a desk sends its body is not the hub's time

        var geocoding = new Stopwatch();
        var (accepted, problem) = Check(format, body, issuer, gazetteer, intake.Towns, intake.Addresses, query, geocoding);
        metrics.Checks.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (geocoding.ElapsedTicks > 0) metrics.Geocoding.Record(geocoding.Elapsed.TotalSeconds); // refused before any was placed: none ran
        if (problem is not null) return await RefusedAsync(intake, issuer, problem, body.Length);
        var (signedWith, unproven) = await intake.Signatures.CheckAsync(format, body, issuer, ct);
        if (unproven is not null) return await RefusedAsync(intake, issuer, unproven, body.Length);

        var (stored, conflict) = await store.SaveAsync(accepted!.Submission with { SignedWith = signedWith }, issuer, Coverage(accepted.Areas, accepted.Shape, accepted.ShapeSource), ct);
        if (conflict is not null) return await RefusedAsync(intake, issuer, conflict, body.Length);

        intake.Outbox.Notify();
        intake.Alerts.Changed();
        metrics.Notices.Add(1, new KeyValuePair<string, object?>("outcome", "accepted"));
        metrics.Intake.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        var receipt = Receipt(stored!, gazetteer) with { Warnings = accepted.Warnings.Count == 0 ? null : accepted.Warnings.Select(HubProblems.Describe).ToList() };
        return TypedResults.Accepted(receipt.Links.Self, receipt);
    }

    /// <summary>Refusals are on the record too: who sent what that was turned away, and why (the codes, not the body).</summary>
    private static async Task<ProblemHttpResult> RefusedAsync(Intake intake, Identity issuer, ProblemHttpResult refused, long? bytes)
    {
        intake.Metrics.Notices.Add(1, new KeyValuePair<string, object?>("outcome", "refused"),
            new KeyValuePair<string, object?>("code", refused.ProblemDetails.Extensions.TryGetValue("code", out var top) ? top : null));
        var codes = refused.ProblemDetails.Extensions.TryGetValue("errors", out var list) && list is IEnumerable<HubProblems.ProblemEntry> entries
            ? entries.Select(e => e.Code).Distinct().ToList()
            : [];
        await intake.Audit.AppendAsync(issuer.Id, "notice.refused", null,
            new { status = refused.StatusCode, code = refused.ProblemDetails.Extensions.TryGetValue("code", out var code) ? code : null, codes, bytes }, CancellationToken.None);
        return refused;
    }

    public sealed record ValidationReport(bool Valid, string Format, string Profile, IReadOnlyList<HubProblems.ProblemEntry> Errors,
        IReadOnlyList<HubProblems.ProblemEntry> Warnings);

    /// <summary>
    /// The dry run desks and vendors test with: every check of the intake, nothing stored or sent. With
    /// <c>?profile=cap</c> a CAP document is checked against CAP 1.2 alone, without the Japanese profile.
    /// </summary>
    private static async Task<Results<Ok<ValidationReport>, ProblemHttpResult>> Validate(
        HttpRequest request, ClaimsPrincipal user, Gazetteer gazetteer, TownIndex towns, Addresses addresses, IssuerCertificates signatures,
        IOptions<HubOptions> options, string? profile, CancellationToken ct)
    {
        var (format, body, refusal) = await ReadAsync(request, options.Value, ct);
        if (refusal is not null) return refusal;

        if (profile == "cap" && format == "cap")
        {
            var conformance = CapReader.Conformance(new MemoryStream(body!)).Select(HubProblems.Describe).ToList();
            return TypedResults.Ok(new ValidationReport(conformance.Count == 0, format, "cap", conformance, []));
        }

        var (_, errors, warnings) = await DryRunAsync(format!, body!, Identity.From(user), gazetteer, towns, addresses, signatures, request.Query, ct);
        return TypedResults.Ok(new ValidationReport(errors.Count == 0, format!, "alert-hub", errors, warnings));
    }

    /// <summary>Every check of the intake with nothing stored: what would be accepted (null if anything is wrong), every error, the warnings.</summary>
    private static async Task<(Accepted? Accepted, IReadOnlyList<HubProblems.ProblemEntry> Errors, List<HubProblems.ProblemEntry> Warnings)> DryRunAsync(
        string format, byte[] body, Identity caller, Gazetteer gazetteer, TownIndex towns, Addresses addresses, IssuerCertificates signatures,
        IQueryCollection query, CancellationToken ct)
    {
        var (accepted, problem) = Check(format, body, caller, gazetteer, towns, addresses, query, new Stopwatch());
        // Admins check notices for others and hold no certificates of their own.
        if (problem is null && caller.Role == Roles.Issuer) problem = (await signatures.CheckAsync(format, body, caller, ct)).Refusal;
        var errors = problem?.ProblemDetails.Extensions["errors"] as IReadOnlyList<HubProblems.ProblemEntry> ?? [];
        return (problem is null ? accepted : null, errors, accepted?.Warnings.Select(HubProblems.Describe).ToList() ?? []);
    }

    /// <summary>
    /// What intake accepted. <see cref="Shape"/> is what it covers: its districts, else the polygons and circles it
    /// drew, else its areas; <see cref="ShapeSource"/> says which (<c>towns</c> when town cells, approximate, are in it).
    /// </summary>
    private sealed record Accepted(Submission Submission, List<Area> Areas, IReadOnlyList<Problem> Warnings, Geometry? Shape, string ShapeSource);

    /// <summary>
    /// Reads a body in any accepted format and runs every check that needs no store: schema, rules, geocoding,
    /// the issuer's own area. The answer is what to store, or the problem to return; <paramref name="geocoding"/> runs
    /// while addresses, codes and shapes are placed, for the metrics.
    /// </summary>
    private static (Accepted? Accepted, ProblemHttpResult? Problem) Check(string format, byte[] body, Identity issuer, Gazetteer gazetteer, TownIndex towns,
        Addresses addresses, IQueryCollection query, Stopwatch geocoding)
    {
        Submission submission;
        Notice? native = null;
        IReadOnlyList<Problem> skipped = [];
        var located = new List<Problem>();
        if (format == "csv")
        {
            var (envelope, sheet, partial, refusal) = CsvEnvelope(query, issuer, gazetteer);
            if (refusal is not null) return (null, refusal);
            var (notice, rows, left) = CsvNotices.ToNotice(sheet!, new MemoryStream(body), envelope!, partial,
                query["title"].Count == 0 ? null : query["title"].ToString().Trim(), query["text"].Count == 0 ? null : query["text"].ToString());
            // The sheet's rows are checked by its schema; the notice made of them meets the same rules as any other.
            // Envelope problems point at the query parameter that set the value (Envelope.Reason → ?reason).
            var wrong = notice is null ? rows : NoticeRules.Check(notice, path => path.StartsWith("Envelope.", StringComparison.Ordinal)
                ? new SourceLocation("?" + char.ToLowerInvariant(path[9]) + path[10..], null, null) : null).ToList();
            if (notice is null || wrong.Count > 0) return (null, Invalid(true, wrong));
            skipped = left;
            geocoding.Start();
            (native, var outside) = Locate(notice, addresses, gazetteer, located);
            geocoding.Stop();
            if (outside.Count > 0) return (null, Invalid(true, outside));
            notice = native;
            submission = new Submission(NoticeCap.ToCap(notice), format, body, envelope!.DocumentId, envelope.Revision,
                previous => Encoding.UTF8.GetBytes(CapWriter.Write(NoticeCap.ToCap(notice, previous))));
        }
        else if (format == "cap")
        {
            var read = CapReader.Read(new MemoryStream(body));
            if (read.Alert is null) return (null, Invalid(read.WellFormed, read.Problems));
            submission = new Submission(read.Alert, format, body);
        }
        else
        {
            var read = format == "notice-json" ? NoticeJson.Read(new MemoryStream(body)) : NoticeXmlReader.Read(new MemoryStream(body));
            if (read.Notice is not { } notice) return (null, Invalid(read.WellFormed, read.Problems));
            // The CAP that goes out references the revision before it, known only inside the store's transaction.
            geocoding.Start();
            (native, var outside) = Locate(notice, addresses, gazetteer, located);
            geocoding.Stop();
            if (outside.Count > 0) return (null, Invalid(true, outside));
            notice = native;
            submission = new Submission(NoticeCap.ToCap(notice), format, body, notice.Envelope.DocumentId, notice.Envelope.Revision,
                previous => Encoding.UTF8.GetBytes(CapWriter.Write(NoticeCap.ToCap(notice, previous))));
        }

        // A native notice's text becomes CAP XML, which cannot carry every character (control characters, U+FFFE):
        // written once now, so such text is refused here rather than failing inside the store's transaction.
        if (submission.WriteCap is { } write)
        {
            byte[] written;
            try
            {
                written = write(null);
            }
            catch (ArgumentException ex)
            {
                return (null, Invalid(true, [new Problem("notice.text.invalid-char", "$", null, null,
                    $"XML に入れられない文字（制御文字など）が含まれています: {ex.Message}",
                    $"The notice holds a character XML cannot carry (a control character or the like): {ex.Message}")]));
            }
            // Nor can the hub keep a CAP it could not read back, and one written of a notice can outgrow it (a sheet of
            // 0.9 MB wrote 3 MB of CAP). The store checks the CAP it finally keeps, signed and referencing the revision
            // before, for every format; this first look lets the dry run say so too. CAP as sent was just read under the same bounds.
            if (!SafeXml.ReadsBack(written)) return (null, NoticeStore.CapTooLarge(format));
        }

        geocoding.Start();
        var (named, problems) = Geocode(submission.Cap, gazetteer);
        // Native notices draw only district polygons, which must lie in their areas (Placed); CAP may route by drawing.
        var (drawn, under) = native is null ? Drawn(submission.Cap, gazetteer, problems) : (null, []);
        if (problems.Count > 0) return (null, Invalid(true, problems));
        named.AddRange(under);

        // Whom the notice speaks for: the native envelope says; CAP and CSV say it in the query (CSV's is in its envelope).
        var (issuerCode, codePath) = native is not null ? (native.Envelope.IssuerCode, format == "csv" ? "?issuerCode" : IssuerScope.EnvelopePath)
            : (query["issuerCode"].Count > 0 ? query["issuerCode"].ToString() : null, "?issuerCode");
        var (proxyFor, notHis) = IssuerScope.Check(issuer, issuerCode, codePath, submission.Cap, native is null ? "/alert/info/category" : "/notice",
            named, gazetteer);
        if (notHis is not null) return (null, notHis);
        submission = submission with { ProxyFor = proxyFor };
        var areas = named.Select(n => n.Area).Distinct().ToList();
        // The union of the areas is an overlay of every boundary in them (seconds for the hundreds a wide circle lies
        // over), made only where it is used: to place a native notice's districts, and as the shape of a notice that draws none.
        var covered = drawn is null ? Shapes.Union(areas.Select(a => a.Geometry).ToList()) : null;
        var (unknown, districts, approximate) = native is null ? ([], null, false) : Districts(native, gazetteer, towns);
        if (unknown.Count > 0) return (null, Invalid(true, unknown));
        var (misplaced, doubtful) = native is null || covered is null ? ([], []) : Placed(native, covered);
        if (misplaced.Count > 0) return (null, Invalid(true, misplaced));
        var (shape, source) = districts is not null ? (districts, approximate ? "towns" : "shapes") : drawn is not null ? (drawn, "shapes") : (covered, "codes");
        geocoding.Stop();
        return (new Accepted(submission, areas, [.. skipped, .. located, .. doubtful], shape, source), null);
    }

    /// <summary>
    /// A district named only by its 町丁目/大字 must be a town of the notice's areas; a misspelt or unknown name is
    /// refused with the nearest names, never guessed. Districts with a code or a polygon use the name as a label.
    /// The districts together make the notice's shape: town cells (approximate), code areas and polygons.
    /// </summary>
    private static (List<Problem> Problems, Geometry? Shape, bool Approximate) Districts(Notice notice, Gazetteer gazetteer, TownIndex towns)
    {
        if (notice.Body is not EvacuationBody evacuation) return ([], null, false);
        var areas = notice.Envelope.Areas.Select(a => LocalGovernmentCode.TryParse(a.Code, out var c, out _) ? gazetteer.Find(c) : null).OfType<Area>().ToList();
        var problems = new List<Problem>();
        var shapes = new List<Geometry>();
        var approximate = false;
        foreach (var (district, i) in evacuation.Districts.Select((d, i) => (d, i)))
        {
            if (district.Polygon is not null)
            {
                shapes.Add(NoticeRules.Shape(district.Polygon));
                continue;
            }
            if (district.AreaCode is not null)
            {
                if (LocalGovernmentCode.TryParse(district.AreaCode, out var code, out _) && gazetteer.Find(code) is { } area) shapes.Add(area.Geometry);
                continue;
            }
            var matches = areas.Select(a => towns.Find(a, district.Name!)).ToList();
            if (matches.Any(m => m.Found))
            {
                shapes.AddRange(matches.SelectMany(m => m.Towns).Select(t => towns.Cell(t, gazetteer)));
                approximate = true;
                continue;
            }
            var near = string.Join("、", matches.SelectMany(m => m.Candidates).Distinct().Take(5));
            var where = string.Join("、", areas.Select(a => a.Name));
            problems.Add(Problem.At("geo.district.unknown", new SourceLocation($"/notice/evacuation/district[{i + 1}]/name", null, null),
                $"地区「{district.Name}」は {where} の町丁目・大字にありません。{(near.Length > 0 ? $"近い名前: {near}" : "地区名を確認するか、地域コードか多角形で指定してください。")}",
                $"District '{district.Name}' is not a town of {where}. {(near.Length > 0 ? $"Nearest names: {near}" : "Check the name, or give an area code or a polygon.")}"));
        }
        return (problems, problems.Count > 0 ? null : Shapes.Union(shapes), approximate);
    }

    /// <summary>
    /// Shelters and places that come with an address and no coordinates are placed from the address: at their town's
    /// point, or at their municipality's when no town matches, and the location says which (precision). Each placing
    /// is reported back as a warning to check; an address that cannot be placed leaves the site unplaced with a
    /// warning (it still counts, it is just not on maps); an address in a municipality the notice does not cover is an error.
    /// </summary>
    private static (Notice Notice, List<Problem> Errors) Locate(Notice notice, Addresses addresses, Gazetteer gazetteer, List<Problem> warnings)
    {
        var errors = new List<Problem>();
        Area? Find(string code) => LocalGovernmentCode.TryParse(code, out var c, out _) ? gazetteer.Find(c) : null;
        var own = notice.Envelope.Areas.Select(a => Find(a.Code)).OfType<Area>().SelectMany(a => a.PartCodes).ToHashSet();
        var within = Find(notice.Envelope.IssuerCode);

        Location? Place(string name, string? address, Location? location, string path)
        {
            if (location is not null || string.IsNullOrWhiteSpace(address)) return location;
            var at = new SourceLocation(path + "/address", null, null);
            var match = addresses.Locate(address, within);
            if (match.Point is not { } point)
            {
                var (nearJa, nearEn) = Areas.AreasApi.NearestNames(match.Candidates);
                warnings.Add(Problem.At("geo.address.unresolved", at,
                    $"「{name}」の住所「{address}」から位置を求められませんでした。地図には載りません。緯度・経度を指定してください。{nearJa}",
                    $"Could not place '{name}' from its address '{address}'; it will not appear on maps. Give its latitude and longitude. {nearEn}"));
                return null;
            }
            if (!match.Area!.PartCodes.All(own.Contains))
            {
                errors.Add(Problem.At("geo.address.outside-area", at,
                    $"「{name}」の住所「{address}」は {match.Area.Name} で、この情報の対象地域の外です。",
                    $"The address of '{name}' ('{address}') is in {match.Area.Name}, outside the notice's areas."));
                return null;
            }
            var (ja, en) = match.Town is { } town
                ? ($"町丁目・大字「{town.Name}」の代表点", $"the representative point of {town.Name}")
                : ($"{match.Area.Name} の代表点（町丁目は特定できませんでした）", $"a point of {match.Area.Name} (no town matched)");
            warnings.Add(Problem.At("geo.address.located", at,
                $"「{name}」の位置を住所から{ja}としました。正確な位置は緯度・経度で指定してください。",
                $"'{name}' was placed from its address at {en}; give its latitude and longitude for an exact position."));
            return new Location(Math.Round((decimal)point.Lat, 6), Math.Round((decimal)point.Lng, 6),
                match.Town is null ? LocationPrecision.Municipality : LocationPrecision.Town);
        }

        var body = notice.Body switch
        {
            SheltersBody b => b with { Shelters = b.Shelters.Select((x, i) => x with { Location = Place(x.Name, x.Address, x.Location, $"/notice/shelters/shelter[{i + 1}]") }).ToList() },
            GeneralBody b => b with { Places = b.Places.Select((x, i) => x with { Location = Place(x.Name, x.Address, x.Location, $"/notice/general/place[{i + 1}]") }).ToList() },
            var other => other,
        };
        return (notice with { Body = body }, errors);
    }

    /// <summary>
    /// Shelters and places must lie in the areas the notice names. The bundled boundaries are simplified, so a
    /// point up to a kilometre outside is only a warning; further out it is an error (usually swapped or mistyped
    /// coordinates, or the wrong town).
    /// </summary>
    private static (List<Problem> Errors, List<Problem> Warnings) Placed(Notice notice, Geometry where)
    {
        var (errors, warnings) = (new List<Problem>(), new List<Problem>());
        if (notice.Body is EvacuationBody evacuation)
        {
            // A district drawn as a polygon must lie in the notice's areas, which are the issuer's own.
            foreach (var (district, i) in evacuation.Districts.Select((d, i) => (d, i)).Where(x => x.d.Polygon is not null))
            {
                if (!where.Intersects(NoticeRules.Shape(district.Polygon!)))
                    errors.Add(Problem.At("geo.polygon.outside-area", new SourceLocation($"/notice/evacuation/district[{i + 1}]/polygon", null, null),
                        $"地区「{district.Name}」の多角形は対象地域（発信者の区域）の外にあります。",
                        $"The polygon of district '{district.Name}' lies outside the notice's areas (the issuer's own)."));
            }
        }

        var located = notice.Body switch
        {
            SheltersBody b => b.Shelters.Select((s, i) => (s.Name, s.Location, Path: $"/notice/shelters/shelter[{i + 1}]/location")),
            GeneralBody b => b.Places.Select((p, i) => (p.Name, p.Location, Path: $"/notice/general/place[{i + 1}]/location")),
            _ => [],
        };
        foreach (var (name, location, path) in located)
        {
            if (location is null) continue;
            var point = new Point((double)location.Lng, (double)location.Lat);
            if (where.Covers(point)) continue;
            var km = where.Distance(point) * 111; // degrees to km, near enough at Japan's latitudes to tell 1 km from 10
            var at = new SourceLocation(path, null, null);
            if (km <= 1)
                warnings.Add(Problem.At("shelter.location.near-boundary", at,
                    $"「{name}」の位置は対象地域の境界から約 {km:F1} km 外側です。境界データが簡略化されているためかもしれません。位置を確認してください。",
                    $"'{name}' lies about {km:F1} km outside the notice's areas; the boundary data is simplified, but check the location."));
            else
                errors.Add(Problem.At("shelter.location.outside-area", at,
                    $"「{name}」の位置（緯度 {location.Lat}、経度 {location.Lng}）は対象地域から約 {km:F0} km 離れています。緯度・経度の誤りか、別の市町村ではないか確認してください。",
                    $"'{name}' (lat {location.Lat}, lng {location.Lng}) is about {km:F0} km from the notice's areas; check the coordinates and the town."));
        }
        return (errors, warnings);
    }

    /// <summary>
    /// A CSV sheet carries rows only: the envelope comes from the query (sheet, documentId, revision, kind, mode,
    /// reason, partial) and the key's issuer, whose own area the notice covers.
    /// </summary>
    private static (Envelope? Envelope, string? Sheet, bool Partial, ProblemHttpResult? Refusal) CsvEnvelope(IQueryCollection query, Identity issuer, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        void Need(bool ok, string name, string ja, string en)
        {
            if (!ok) problems.Add(new Problem($"request.query.{name}", $"?{name}", null, null, ja, en));
        }

        var sheet = query["sheet"].ToString();
        Need(CsvNotices.NoticeSheets.Contains(sheet), "sheet", $"?sheet= に表の種類（{string.Join("、", CsvNotices.NoticeSheets)}）を指定してください。",
            $"Name the sheet in ?sheet= ({string.Join(", ", CsvNotices.NoticeSheets)}).");
        var documentId = query["documentId"].ToString();
        Need(DocumentIdPattern().IsMatch(documentId), "documentId", "?documentId= に情報の ID（英数字と . _ -、128 文字まで）を指定してください。同じ情報の版は同じ ID です。",
            "Give the notice's id in ?documentId= (letters, digits, . _ -, up to 128); every revision of a notice keeps it.");
        var revision = query["revision"].Count == 0 ? 1 : int.TryParse(query["revision"], out var r) && r > 0 ? r : 0;
        Need(revision > 0, "revision", "?revision= は 1 以上の整数です。", "?revision= is a whole number from 1.");
        var kind = query["kind"].Count == 0 ? (revision == 1 ? NoticeKind.Issue : NoticeKind.Update) : Named<NoticeKind>(query["kind"]);
        Need(kind is not null, "kind", "?kind= は Issue、Update、Correction、Cancel のいずれかです。", "?kind= is Issue, Update, Correction or Cancel.");
        var mode = query["mode"].Count == 0 ? NoticeMode.Actual : Named<NoticeMode>(query["mode"]);
        Need(mode is not null, "mode", "?mode= は Actual、Exercise、Test のいずれかです。", "?mode= is Actual, Exercise or Test.");
        // The sheet covers the area it is issued for: the key's own unless ?issuerCode= names another (a prefecture's
        // municipality as 代行, a lifeline operator's or a national body's area, which have no single own area).
        var issuerCode = query["issuerCode"].Count > 0 ? query["issuerCode"].ToString() : issuer.AreaCode;
        // A places sheet's notice may be titled (?title=) and explained (?text=), as any general notice's XML may.
        Need(query["title"].ToString().Length <= 500 && (query["title"].Count == 0 || query["title"].ToString().Trim().Length > 0), "title",
            "?title= は空白でない 500 文字までの題名です。", "?title= is a title of up to 500 characters, not blank.");
        Need(query["text"].ToString().Length <= 20_000, "text", "?text= は 20,000 文字までです。", "?text= is up to 20,000 characters.");
        Need(issuer.Role == Roles.Issuer, "issuer", "CSV は発信者のキーで送ってください。", "Send CSV with an issuer's key.");
        Need(issuer.Role != Roles.Issuer || LocalGovernmentCode.TryParse(issuerCode, out _, out _), "issuerCode",
            "?issuerCode= に発信する地域の地方公共団体コードを指定してください（市町村と都道府県のキーでは省略できます）。",
            "Give the local government code the sheet is issued for in ?issuerCode= (a municipality's or prefecture's key may leave it out).");
        if (problems.Count > 0)
            return (null, null, false, HubProblems.Result(StatusCodes.Status400BadRequest, "request.invalid",
                "CSV の送信には表の種類と情報の ID などの指定が必要です。", "A CSV sheet needs its sheet name, document id and the like in the query.", problems));

        var code = LocalGovernmentCode.Parse(issuerCode!).WithCheckDigit;
        var name = code == LocalGovernmentCode.Parse(issuer.AreaCode ?? code).WithCheckDigit ? issuer.Name : gazetteer.Find(LocalGovernmentCode.Parse(code))?.Name ?? code;
        var sent = JapanTime.Of(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var envelope = new Envelope(documentId, revision, code, name, mode!.Value, kind!.Value, query["reason"].Count == 0 ? null : query["reason"].ToString(),
            sent, null, null, [new AreaRef(code, name)]);
        return (envelope, sheet, query["partial"] == "true", null);
    }

    /// <summary>An enum member by its name only: Enum.TryParse would also take "7" or "Issue,Update".</summary>
    internal static T? Named<T>(string? text) where T : struct, Enum =>
        Enum.GetValues<T>().Where(v => string.Equals(v.ToString(), text, StringComparison.OrdinalIgnoreCase)).Select(v => (T?)v).FirstOrDefault();

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial System.Text.RegularExpressions.Regex DocumentIdPattern();

    private static ProblemHttpResult Invalid(bool wellFormed, IEnumerable<Problem> problems) =>
        HubProblems.Result(wellFormed ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status400BadRequest,
            "notice.invalid", "情報の内容に誤りがあります。各項目を確認してください。", "The notice is not valid; see each error.", problems);

    private static Coverage Coverage(List<Area> areas, Geometry? shape, string source) => new(
        areas.Select(a => a.Code).ToList(),
        areas.SelectMany(a => a.PartCodes).Distinct().Order(StringComparer.Ordinal).ToList(),
        shape is null ? null : new WKBWriter().Write(shape), source);

    /// <summary>The format by content type; plain application/xml is CAP unless its root is a native notice.</summary>
    private static async Task<(string? Format, byte[]? Body, ProblemHttpResult? Refusal)> ReadAsync(HttpRequest request, HubOptions options, CancellationToken ct)
    {
        var media = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (media is not ("application/cap+xml" or "application/xml" or "text/xml" or "application/vnd.alert-hub.notice+xml"
            or "application/json" or "application/vnd.alert-hub.notice+json" or "text/csv"))
            return (null, null, HubProblems.One(StatusCodes.Status415UnsupportedMediaType, "request.content-type",
                $"Content-Type「{request.ContentType}」は受け付けません。CAP 1.2 は application/cap+xml、ハブの通知形式は application/vnd.alert-hub.notice+xml または application/json、表は text/csv で送ってください。",
                $"Content-Type '{request.ContentType}' is not accepted: send CAP 1.2 as application/cap+xml, native notices as application/vnd.alert-hub.notice+xml or application/json, sheets as text/csv."));

        var body = await ReadBodyAsync(request.Body, ct);
        if (body is null) return (null, null, BodyLimits.TooLarge(options.MaxNoticeBytes));

        var format = media switch
        {
            "application/cap+xml" => "cap",
            "application/vnd.alert-hub.notice+xml" => "notice-xml",
            "application/json" or "application/vnd.alert-hub.notice+json" => "notice-json",
            "text/csv" => "csv",
            _ => SafeXml.RootNamespace(body) == NoticeXmlReader.Namespace ? "notice-xml" : "cap",
        };
        return (format, body, null);
    }

    /// <summary>An area a notice names or draws, with where it does so (for errors) and how it is named there.</summary>

    private static (List<NamedArea> Named, List<Problem> Problems) Geocode(CapAlert alert, Gazetteer gazetteer)
    {
        var named = new List<NamedArea>();
        var problems = new List<Problem>();
        // A cancel is routed by what its document covered, but the areas it names are checked all the same: they go out in its CAP.
        foreach (var geocode in alert.Geocodes.Where(g => g.IsLocalGovernmentCode))
        {
            if (gazetteer.Find(LocalGovernmentCode.Parse(geocode.Value)) is { } area)
                named.Add(new NamedArea(area, geocode.At, geocode.Value));
            else
                problems.Add(Problem.At("code.unknown", geocode.At,
                    $"地方公共団体コード「{geocode.Value}」に該当する市区町村がありません（境界データは 2021-01-01 時点）。",
                    $"No municipality has local government code '{geocode.Value}' (boundaries as of 2021-01-01)."));
        }
        return (named, problems);
    }

    /// <summary>
    /// The polygons and circles of a CAP alert (already checked for form), as one shape, and the municipalities and
    /// wards under it: routing uses codes, so a drawn area is routed to every municipality it really covers.
    /// A shape over no municipality (at sea, or off the mapped land) cannot be routed and is refused.
    /// </summary>
    /// <summary>Different polygons and circles in one notice, all its infos together (CAP sets no bound; a prefecture's worth of drawn districts is far below this).</summary>
    internal const int MaxShapes = 200;

    private static (Geometry? Shape, List<NamedArea> Under) Drawn(CapAlert alert, Gazetteer gazetteer, List<Problem> problems)
    {
        var shapes = new List<Geometry>();
        var under = new List<NamedArea>();
        // Each shape is routed against the boundaries, so their number bounds the work a notice can ask for; the same
        // shape twice (in several infos, one per language) is routed once, so it is counted once. The bound is the
        // notice's, not an info's: infos cost nothing to add, and a bound per info let more infos ask for more work.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var count = alert.Infos.SelectMany(info => info.Areas).SelectMany(a => a.Polygons.Concat(a.Circles)).Distinct(StringComparer.Ordinal).Count();
        if (count > MaxShapes)
        {
            problems.Add(Problem.At("geo.shapes.too-many", new SourceLocation("/alert/info/area", null, null),
                $"範囲（polygon・circle）が多すぎます（異なるものが {count} 個。1 つの情報で全 info を合わせて {MaxShapes} 個まで）。地域コードで指定してください。",
                $"Too many shapes ({count} different polygons and circles; at most {MaxShapes} in a notice, all its infos together); give area codes instead."));
            return (null, under);
        }
        foreach (var (info, i) in alert.Infos.Select((info, i) => (info, i)))
        foreach (var (area, j) in info.Areas.Select((area, j) => (area, j)))
        {
            var drawn = area.Polygons.Where(seen.Add).Select((p, k) => ($"polygon[{k + 1}]", (Geometry)NoticeRules.Shape(p)))
                .Concat(area.Circles.Where(seen.Add).Select((c, k) => ($"circle[{k + 1}]", (Geometry)NoticeRules.CircleShape(c))));
            foreach (var (name, shape) in drawn)
            {
                var at = new SourceLocation($"/alert/info[{i + 1}]/area[{j + 1}]/{name}", null, null);
                var municipalities = gazetteer.Under(shape).ToList();
                if (municipalities.Count == 0)
                    problems.Add(Problem.At("geo.shape.no-municipality", at,
                        "範囲がどの市区町村にもかかっていません（海上か、境界データの外です）。地域コードで指定するか、範囲を確認してください。",
                        "The shape covers no municipality (it lies at sea or off the mapped land); give an area code or check the shape."));
                shapes.Add(shape);
                under.AddRange(municipalities.Select(m => new NamedArea(gazetteer.Find(LocalGovernmentCode.Parse(m.Code))!, at, m.Name)));
            }
        }
        return (Shapes.Union(shapes), under);
    }

    /// <summary>
    /// The notice's current revision in the format asked for (Accept): CAP, native XML or native JSON; otherwise
    /// its status (state, revisions, deliveries) as JSON.
    /// </summary>
    private static async Task<IResult> Get(string id, HttpRequest request, ClaimsPrincipal user, Db db, Gazetteer gazetteer, HubSigner signer)
    {
        var accept = request.Headers.Accept.ToString();
        string? wanted = accept.Contains("application/cap+xml", StringComparison.OrdinalIgnoreCase) ? "cap"
            : accept.Contains("application/vnd.alert-hub.notice+xml", StringComparison.OrdinalIgnoreCase) ? "notice-xml"
            : accept.Contains("application/vnd.alert-hub.notice+json", StringComparison.OrdinalIgnoreCase) ? "notice-json"
            : null;
        if (wanted is null) return await GetStatus(id, user, db, gazetteer);

        await using var connection = await db.OpenAsync();
        var row = await connection.QuerySingleOrDefaultAsync<(string IssuerId, string SourceType, byte[] SourceBody, byte[] CapBody)>("""
            SELECT d.issuer_id, n.source_type, n.source_body, n.cap_body
            FROM documents d JOIN notices n ON n.document_id = d.id AND n.revision = d.current_revision
            WHERE d.id = @id
            """, new { id });
        var caller = Identity.From(user);
        if (row.IssuerId is null || (caller.Role != Roles.Admin && row.IssuerId != caller.Id)) return NotFound(id);
        if (wanted == "cap") return TypedResults.Bytes(row.CapBody, "application/cap+xml");
        return Native(wanted, row.SourceType, row.SourceBody, row.CapBody, signer);
    }

    /// <summary>A revision in a native form; once the notice is cancelled, only its cancel is served.</summary>
    private static async Task<IResult> GetNative(string id, int revision, string wanted, Db db, HubSigner signer)
    {
        await using var connection = await db.OpenAsync();
        var row = await connection.QuerySingleOrDefaultAsync<(string SourceType, byte[] SourceBody, byte[] CapBody, string State, int CurrentRevision)>("""
            SELECT n.source_type, n.source_body, n.cap_body, d.state, d.current_revision
            FROM notices n JOIN documents d ON d.id = n.document_id
            WHERE n.document_id = @id AND n.revision = @revision
            """, new { id, revision });
        if (row.SourceType is null) return NotFound(id);
        if (row.State == "cancelled" && revision != row.CurrentRevision) return Gone();
        return Native(wanted, row.SourceType, row.SourceBody, row.CapBody, signer);
    }

    private static IResult Native(string wanted, string sourceType, byte[] sourceBody, byte[] capBody, HubSigner signer)
    {
        if (wanted == sourceType)
            return wanted == "notice-xml" ? TypedResults.Bytes(signer.Sign(sourceBody), "application/vnd.alert-hub.notice+xml")
                : TypedResults.Bytes(sourceBody, "application/vnd.alert-hub.notice+json");

        // The other native form is written from the model; CAP from elsewhere has no native form.
        var notice = sourceType switch
        {
            "notice-xml" => NoticeXmlReader.Read(new MemoryStream(sourceBody)).Notice,
            "notice-json" => NoticeJson.Read(new MemoryStream(sourceBody)).Notice,
            _ => StoredCaps.Read(capBody) is { } alert ? NoticeCap.FromCap(alert) : null,
        };
        return notice is null
            ? HubProblems.One(StatusCodes.Status406NotAcceptable, "notice.format.unavailable",
                "この情報は CAP で受け付けたもので、ハブの通知形式では表せません。Accept: application/cap+xml で取得してください。",
                "This notice came as CAP from outside and has no native form; ask for Accept: application/cap+xml.")
            : wanted == "notice-xml"
                ? TypedResults.Bytes(signer.Sign(Encoding.UTF8.GetBytes(NoticeXmlWriter.Write(notice))), "application/vnd.alert-hub.notice+xml")
                : TypedResults.Text(NoticeJson.Write(notice), "application/vnd.alert-hub.notice+json", Encoding.UTF8);
    }

    private static async Task<Results<Ok<IReadOnlyList<RevisionSummary>>, ProblemHttpResult>> GetRevisions(string id, ClaimsPrincipal user, Db db, Gazetteer gazetteer) =>
        await GetStatus(id, user, db, gazetteer) is Ok<NoticeStatus> { Value: { } status }
            ? TypedResults.Ok(status.Revisions)
            : NotFound(id);

    private static async Task<IResult> GetStatus(string id, ClaimsPrincipal user, Db db, Gazetteer gazetteer)
    {
        await using var connection = await db.OpenAsync();
        var document = await connection.QuerySingleOrDefaultAsync<(string Id, string IssuerId, string Status, string State, int CurrentRevision)>(
            "SELECT id, issuer_id, status, state, current_revision FROM documents WHERE id = @id", new { id });
        var caller = Identity.From(user);
        if (document.Id is null || (caller.Role != Roles.Admin && document.IssuerId != caller.Id))
            return NotFound(id);

        var revisions = (await connection.QueryAsync<RevisionSummary>("""
            SELECT revision, msg_type AS msgtype, identifier, title, sent, received_at AS receivedat, proxy_for AS proxyfor, signed_with AS signedwith
            FROM notices WHERE document_id = @id ORDER BY revision
            """, new { id })).ToList();
        var (areaCodes, expires) = await connection.QuerySingleAsync<(string, DateTimeOffset?)>(
            "SELECT area_codes, expires FROM notices WHERE document_id = @id AND revision = @CurrentRevision", new { id, document.CurrentRevision });
        // Past its expiry a notice has left every feed, app and sign: its desk says so rather than showing it in force.
        var state = document.State == "active" && expires <= DateTimeOffset.UtcNow ? "expired" : document.State;
        var deliveries = (await connection.QueryAsync<DeliveryStatus>("""
            SELECT d.subscriber_id AS subscriberid, s.name AS subscriber, d.revision, d.state, d.attempts, d.last_error AS lasterror,
                   d.updated_at AS updatedat, d.created_at AS createdat, d.delivered_at AS deliveredat, d.next_attempt_at AS nextattemptat
            FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
            WHERE d.document_id = @id ORDER BY d.revision, s.name
            """, new { id })).ToList();
        var stored = new StoredRevision(id, document.CurrentRevision, revisions[^1].MsgType, document.Status, NoticeStore.Split(areaCodes));
        var receipt = Receipt(stored, gazetteer);
        return TypedResults.Ok(new NoticeStatus(id, document.Status, state, document.CurrentRevision, receipt.Areas, revisions, deliveries, receipt.Links));
    }

    /// <summary>Each subscriber's delivery of each revision: its state, attempts, when it was made and how long it took.</summary>
    private static async Task<IResult> GetDeliveries(string id, ClaimsPrincipal user, Db db, Gazetteer gazetteer) =>
        await GetStatus(id, user, db, gazetteer) is Ok<NoticeStatus> { Value: { } status } ? TypedResults.Ok(status.Deliveries) : NotFound(id);

    /// <summary>
    /// Sends a dead delivery again, once the receiver is fixed: it becomes due at once and goes through the same
    /// retries. The revision sent is the one that died; if a newer one exists by then it is superseded instead.
    /// </summary>
    private static async Task<IResult> Republish(string id, string subscriberId, int? revision, Db db, IOptions<HubOptions> options)
    {
        await using var connection = await db.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        var changed = await connection.ExecuteAsync("""
            UPDATE deliveries SET state = 'retrying', next_attempt_at = @now, retry_until = @until, updated_at = @now
            WHERE document_id = @id AND subscriber_id = @subscriberId AND state IN ('dead', 'failed')
              AND (@revision IS NULL OR revision = @revision)
            """, new { id, subscriberId, revision, now, until = now + options.Value.WebhookGiveUpAfter });
        return changed > 0
            ? TypedResults.Accepted($"/api/v1/notices/{id}/deliveries", new { republished = changed })
            : HubProblems.One(StatusCodes.Status404NotFound, "delivery.not-dead",
                $"情報 {id} の購読者 {subscriberId} への配信で、停止（dead）したものはありません。",
                $"No dead delivery of notice {id} to subscriber {subscriberId}.");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetCap(string id, int? revision, Db db)
    {
        await using var connection = await db.OpenAsync();
        var row = await connection.QuerySingleOrDefaultAsync<(byte[] CapBody, int Revision, string State, int CurrentRevision)>("""
            SELECT n.cap_body, n.revision, d.state, d.current_revision
            FROM notices n JOIN documents d ON d.id = n.document_id
            WHERE n.document_id = @id AND n.revision = COALESCE(@revision, d.current_revision)
            """, new { id, revision });
        if (row.CapBody is null) return NotFound(id);
        // Once cancelled, only the cancel itself is served: the withdrawn content is never shown again.
        if (row.State == "cancelled" && row.Revision != row.CurrentRevision) return Gone();
        return TypedResults.Bytes(row.CapBody, "application/cap+xml"); // as received: its XML declaration names the encoding
    }

    /// <summary>
    /// The shape the current revision covers, as GeoJSON: its districts (town cells are approximate) or its areas.
    /// Public like the CAP document; a cancelled notice has no area to show.
    /// </summary>
    private static async Task<IResult> GetArea(string id, Db db)
    {
        await using var connection = await db.OpenAsync();
        var row = await connection.QuerySingleOrDefaultAsync<(byte[]? AreaWkb, string State)>("""
            SELECT n.area_wkb, d.state FROM documents d JOIN notices n ON n.document_id = d.id AND n.revision = d.current_revision
            WHERE d.id = @id
            """, new { id });
        if (row.State is null || row.AreaWkb is null) return NotFound(id);
        if (row.State == "cancelled") return Gone();
        var geometry = new WKBReader().Read(row.AreaWkb);
        return Results.Text(new System.Text.Json.Nodes.JsonObject
        {
            ["type"] = "Feature",
            ["geometry"] = Areas.AreasApi.GeoJson(geometry),
            ["properties"] = new System.Text.Json.Nodes.JsonObject { ["id"] = id },
        }.ToJsonString(), "application/geo+json");
    }

    private static ProblemHttpResult Gone() =>
        HubProblems.One(StatusCodes.Status410Gone, "notice.cancelled", "この情報は取り消されました。", "This notice was cancelled.");

    internal static ProblemHttpResult NotFound(string id) => HubProblems.One(StatusCodes.Status404NotFound, "notice.not-found",
        $"情報 {id} は見つかりません。", $"Notice {id} was not found.");

    private static NoticeReceipt Receipt(StoredRevision stored, Gazetteer gazetteer)
    {
        var areas = stored.AreaCodes.Select(LocalGovernmentCode.Parse).Select(code => gazetteer.Find(code) is { } area
            ? new NoticeArea(code.WithCheckDigit, area.Name, area.PartCodes.Select(p => LocalGovernmentCode.Parse(p).WithCheckDigit).ToList())
            : new NoticeArea(code.WithCheckDigit, "", [])).ToList();
        var self = $"/api/v1/notices/{stored.DocumentId}";
        return new NoticeReceipt(stored.DocumentId, stored.Revision, stored.MsgType, stored.Status, areas,
            new NoticeLinks(self, $"{self}/revisions/{stored.Revision}/cap")) { ProxyFor = stored.ProxyFor };
    }

    /// <summary>The whole body; null when it is larger than its bound (<see cref="BodyLimits"/>), so the refusal is audited like any other.</summary>
    private static async Task<byte[]?> ReadBodyAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        try
        {
            await body.CopyToAsync(buffer, ct);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return buffer.ToArray();
    }
}
