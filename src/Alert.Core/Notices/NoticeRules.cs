using Alert.Core.Codes;
using FluentValidation;
using FluentValidation.Results;

namespace Alert.Core.Notices;

/// <summary>
/// The rules of a notice that no schema can say, whatever format it came in. Each has a stable code, English as
/// the message and Japanese as the state; <see cref="Check"/> turns failures into problems at the place they refer to.
/// Rules that need the gazetteer or the store (areas inside the issuer's, revisions that grow) run in the hub.
/// </summary>
public static class NoticeRules
{
    /// <summary>Japan's extent, generously: Okinotorishima to Etorofu, Yonaguni to Minamitorishima.</summary>
    public const decimal MinLat = 20m, MaxLat = 46m, MinLng = 122m, MaxLng = 154m;

    private static readonly NoticeValidator Validator = new();

    public static IEnumerable<Problem> Check(Notice notice, Func<string, SourceLocation?> locate) =>
        Validator.Validate(notice).Errors.Select(f => ToProblem(f, locate));

    private static Problem ToProblem(ValidationFailure failure, Func<string, SourceLocation?> locate)
    {
        // The failing value's own place, else its parent's (a district, a shelter), else the body.
        var path = failure.PropertyName;
        var at = locate(path);
        for (var parent = path; at is null && parent.Contains('.', StringComparison.Ordinal);)
        {
            parent = parent[..parent.LastIndexOf('.')];
            at = locate(parent);
        }
        return new Problem(failure.ErrorCode, at?.Path ?? path, at?.Line, at?.Column, failure.CustomState as string ?? failure.ErrorMessage, failure.ErrorMessage);
    }

    /// <summary>JSON can say [null]; the model cannot hold it.</summary>
    private static IRuleBuilderOptions<T, TItem> NoNullItems<T, TItem>(this IRuleBuilderInitialCollection<T, TItem> rule) =>
        rule.NotNull().Says("notice.item.null", (_, _) => "一覧に空（null）の項目があります。", (_, _) => "A list holds an empty (null) item.");

    private static IRuleBuilderOptions<T, TProperty> Says<T, TProperty>(this IRuleBuilderOptions<T, TProperty> rule, string code,
        Func<T, TProperty, string> ja, Func<T, TProperty, string> en) =>
        rule.WithErrorCode(code).WithState((x, v) => ja(x, v)).WithMessage((x, v) => en(x, v));

    /// <summary>A local government code whose check digit and prefecture hold, reported with the code's own problem.</summary>
    private static IRuleBuilderOptionsConditions<T, string?> IsCode<T>(this IRuleBuilder<T, string?> rule) => rule.Custom((code, context) =>
    {
        if (code is null || LocalGovernmentCode.TryParse(code, out _, out var error)) return;
        context.AddFailure(new ValidationFailure(context.PropertyPath, error.En, code) { ErrorCode = error.Code, CustomState = error.Ja });
    });

    /// <summary>Text the issuer gives must say something: blank names and titles are refused in every format.</summary>
    private static void Blank<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(t => t is null || t.Trim().Length > 0)
            .Says("notice.text.blank", (_, _) => "空白だけの文字列は使えません。名前や本文を入れてください。", (_, _) => "Blank text is not allowed: give the name or text.");

    private static void Count<T>(this IRuleBuilder<T, int?> rule) =>
        rule.Must(c => c is null or >= 0)
            .Says("notice.number.negative", (_, c) => $"数（{c}）は 0 以上です。", (_, c) => $"A count ({c}) cannot be negative.");

    private static bool InJapan(Location? l) => l is null || (l.Lat is >= MinLat and <= MaxLat && l.Lng is >= MinLng and <= MaxLng);

    /// <summary>Within Japan's box: a point outside it is elsewhere, or latitude and longitude swapped.</summary>
    public static bool InJapan(double lat, double lng) =>
        lat >= (double)MinLat && lat <= (double)MaxLat && lng >= (double)MinLng && lng <= (double)MaxLng;

    private sealed class NoticeValidator : AbstractValidator<Notice>
    {
        public NoticeValidator()
        {
            // What notice-1.xsd says, said again here so that JSON and CSV notices meet it too.
            RuleFor(n => n.Envelope.DocumentId).Matches("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
                .Says("notice.document-id.invalid", (_, v) => $"documentId「{v}」は英数字と . _ - だけで、128 文字までです（先頭は英数字）。",
                    (_, v) => $"documentId '{v}' may hold letters, digits, '.', '_' and '-' only, up to 128, starting with a letter or digit.");
            RuleFor(n => n.Envelope.Areas).NotEmpty()
                .Says("notice.areas.missing", (_, _) => "対象地域（areas）を1つ以上指定してください。地域のない情報は誰にも届きません。",
                    (_, _) => "Name at least one area: a notice without areas reaches no one.");
            RuleFor(n => n.Envelope.IssuerName).Blank();
            RuleForEach(n => n.Envelope.Areas).NoNullItems();
            RuleFor(n => n.Envelope.IssuerCode).IsCode();
            RuleForEach(n => n.Envelope.Areas).ChildRules(a => a.RuleFor(x => x.Code).IsCode());

            RuleFor(n => n.Envelope.Revision).Equal(1).When(n => n.Envelope.Kind == NoticeKind.Issue)
                .Says("notice.revision.first", (n, r) => $"発表（Issue）は第1版です（第{r}版になっています）。更新・訂正・取消は kind を Update / Correction / Cancel にしてください。",
                    (n, r) => $"An Issue is revision 1 (this says {r}); later revisions are Update, Correction or Cancel.");
            RuleFor(n => n.Envelope.Revision).GreaterThan(1).When(n => n.Envelope.Kind != NoticeKind.Issue)
                .Says("notice.revision.not-first", (n, r) => $"{n.Envelope.Kind} は第2版以降です。第1版は発表（Issue）で送ってください。",
                    (n, r) => $"A {n.Envelope.Kind} is revision 2 or later; revision 1 is an Issue.");
            RuleFor(n => n.Envelope.Reason).NotEmpty().When(n => n.Envelope.Kind is NoticeKind.Correction or NoticeKind.Cancel)
                .Says("notice.reason.missing", (n, _) => $"{(n.Envelope.Kind == NoticeKind.Cancel ? "取消" : "訂正")}には理由（reason）が必要です。受け取った人に何が誤りだったかを伝えます。",
                    (n, _) => $"A {n.Envelope.Kind} needs a reason: receivers are told what was wrong.");
            RuleFor(n => n.Envelope.ValidUntil).GreaterThan(n => n.Envelope.ValidFrom ?? n.Envelope.Sent).When(n => n.Envelope.ValidUntil is not null)
                .Says("notice.times.order", (_, _) => "validUntil は sent（と validFrom）より後の日時にしてください。",
                    (_, _) => "validUntil must come after sent (and validFrom).");
            RuleFor(n => n.Body).NotNull().When(n => n.Envelope.Kind != NoticeKind.Cancel)
                .Says("notice.body.missing", (n, _) => $"{n.Envelope.Kind} には本文（evacuation, shelters など）が必要です。", (n, _) => $"A {n.Envelope.Kind} needs a body (evacuation, shelters, ...).");
            RuleFor(n => n.Body).Null().When(n => n.Envelope.Kind == NoticeKind.Cancel)
                .Says("notice.body.on-cancel", (_, _) => "取消（Cancel）には本文を付けません。理由は reason に書いてください。", (_, _) => "A Cancel carries no body; give the reason in reason.");

            RuleFor(n => n.Body).SetInheritanceValidator(v =>
            {
                v.Add(new EvacuationValidator());
                v.Add(new SheltersValidator());
                v.Add(new PlacesValidator());
                v.Add(new DamageValidator());
                v.Add(new LifelineValidator());
            });
        }
    }

    private sealed class EvacuationValidator : AbstractValidator<EvacuationBody>
    {
        public EvacuationValidator() => RuleForEach(b => b.Districts).NoNullItems().ChildRules(d =>
        {
            d.RuleFor(x => x.Name).Blank();
            d.RuleFor(x => x.Households).Count();
            d.RuleFor(x => x.Persons).Count();
            d.RuleFor(x => x.Name).Must((x, _) => x.Name is not null || x.AreaCode is not null || x.Polygon is not null)
                .Says("evacuation.district.no-place", (_, _) => "地区には名前（name）、地域コード（areaCode）、多角形（polygon）のいずれかが必要です。",
                    (_, _) => "A district needs a name, an areaCode or a polygon.");
            d.RuleFor(x => x.AreaCode).IsCode();
            d.RuleFor(x => x.Level).Must(l => !Evacuation.IsAbolished(l))
                .Says(Evacuation.AbolishedProblem.Code, (_, _) => Evacuation.AbolishedProblem.Ja, (_, _) => Evacuation.AbolishedProblem.En);
            d.RuleFor(x => x.Level).Must(l => Evacuation.IsAbolished(l) || Evacuation.ParseLevel(l) is not null)
                .Says("evacuation.level.unknown", (_, l) => $"警戒レベル「{l}」は使えません。3（高齢者等避難）、4（避難指示）、5（緊急安全確保）のいずれかです。",
                    (_, l) => $"Level '{l}' is not one of 3 (高齢者等避難), 4 (避難指示), 5 (緊急安全確保).");
            d.RuleFor(x => x.Level).Must((x, l) => Evacuation.ParseLevel(l) is not { } level || Evacuation.LevelsFor(x.DisasterType).Contains(level))
                .Says("evacuation.level.not-for-hazard",
                    (x, l) => $"{x.DisasterType.Japanese()}には{Evacuation.ParseLevel(l)!.Value.Japanese()}（レベル{(int)Evacuation.ParseLevel(l)!.Value}）は発令しません。使えるのは: {string.Join("、", Evacuation.LevelsFor(x.DisasterType).Select(v => $"{(int)v} {v.Japanese()}"))}",
                    (x, l) => $"Level {l} is not issued for {x.DisasterType}; allowed: {string.Join(", ", Evacuation.LevelsFor(x.DisasterType).Select(v => (int)v))}.");
            d.RuleFor(x => x.Lifted).GreaterThanOrEqualTo(x => x.Issued).When(x => x.Issued is not null && x.Lifted is not null)
                .Says("evacuation.times.order", (_, _) => "解除（lifted）の日時が発令（issued）より前です。", (_, _) => "lifted is before issued.");
            d.RuleFor(x => x.Polygon).Must(p => p is null || PolygonProblem(p) is null)
                .WithErrorCode("geo.polygon.invalid").WithState((_, p) => PolygonProblem(p!)!.Value.Ja).WithMessage((_, p) => PolygonProblem(p!)!.Value.En);
        });
    }

    private sealed class SheltersValidator : AbstractValidator<SheltersBody>
    {
        public SheltersValidator() => RuleForEach(b => b.Shelters).NoNullItems().ChildRules(s =>
        {
            s.RuleFor(x => x.Name).Blank();
            s.RuleFor(x => x.Capacity).Count();
            s.RuleFor(x => x.Present).Count();
            s.RuleFor(x => x.Location).Must(InJapan)
                .Says("geo.location.out-of-bounds", (_, l) => $"位置（緯度 {l!.Lat}、経度 {l.Lng}）が日本の範囲外です。緯度と経度を取り違えていないか確認してください。",
                    (_, l) => $"Location (lat {l!.Lat}, lng {l.Lng}) is outside Japan; check that latitude and longitude are not swapped.");
            s.RuleFor(x => x.Closed).GreaterThanOrEqualTo(x => x.Opened).When(x => x.Opened is not null && x.Closed is not null)
                .Says("shelter.times.order", (_, _) => "閉鎖（closed）の日時が開設（opened）より前です。", (_, _) => "closed is before opened.");
        });
    }

    private sealed class PlacesValidator : AbstractValidator<GeneralBody>
    {
        public PlacesValidator()
        {
            RuleFor(b => b.Title).Blank();
            RuleFor(b => b.Text).Blank();
            RuleForEach(b => b.Places).NoNullItems().ChildRules(p =>
            {
                p.RuleFor(x => x.Name).Blank();
                p.RuleFor(x => x.Location).Must(InJapan)
                    .Says("geo.location.out-of-bounds", (_, l) => $"位置（緯度 {l!.Lat}、経度 {l.Lng}）が日本の範囲外です。",
                        (_, l) => $"Location (lat {l!.Lat}, lng {l.Lng}) is outside Japan.");
            });
        }
    }

    private sealed class DamageValidator : AbstractValidator<DamageBody>
    {
        public DamageValidator() => RuleForEach(b => b.Reports).NoNullItems().ChildRules(r =>
        {
            r.RuleFor(x => x.Area).NotNull();
            r.RuleFor(x => x.Area.Code).IsCode().When(x => x.Area is not null);
            r.RuleFor(x => x.Dead).Count();
            r.RuleFor(x => x.Missing).Count();
            r.RuleFor(x => x.SeriouslyInjured).Count();
            r.RuleFor(x => x.SlightlyInjured).Count();
            r.RuleFor(x => x.Destroyed).Count();
            r.RuleFor(x => x.HalfDestroyed).Count();
            r.RuleFor(x => x.PartlyDamaged).Count();
            r.RuleFor(x => x.FloodedAboveFloor).Count();
            r.RuleFor(x => x.FloodedBelowFloor).Count();
            r.RuleForEach(x => x.Sites).NoNullItems().ChildRules(site =>
            {
                site.RuleFor(x => x.Location).Must(InJapan)
                    .Says("geo.location.out-of-bounds", (_, l) => $"位置（緯度 {l!.Lat}、経度 {l.Lng}）が日本の範囲外です。",
                        (_, l) => $"Location (lat {l!.Lat}, lng {l.Lng}) is outside Japan.");
                site.RuleFor(x => x.Note).Blank();
                // Receivers show the photo to residents: a web address they can open, nothing else.
                site.RuleFor(x => x.Photo).Must(p => p is null || (Uri.TryCreate(p, UriKind.Absolute, out var u) && u.Scheme is "https" or "http"))
                    .Says("damage.site.photo.invalid", (_, p) => $"写真（photo）「{p}」は http(s) の URL ではありません。", (_, p) => $"photo '{p}' is not an http(s) URL.");
            });
        });
    }

    private sealed class LifelineValidator : AbstractValidator<LifelineBody>
    {
        public LifelineValidator() => RuleForEach(b => b.Statuses).NoNullItems().ChildRules(r =>
        {
            r.RuleFor(x => x.Area).NotNull();
            r.RuleFor(x => x.Area.Code).IsCode().When(x => x.Area is not null);
            r.RuleFor(x => x.Households).Count();
        });
    }

    /// <summary>A CAP-style polygon ("lat,lon lat,lon …", already checked) as a shape in x = longitude, y = latitude.</summary>
    public static NetTopologySuite.Geometries.Polygon Shape(string polygon) =>
        new NetTopologySuite.Geometries.GeometryFactory().CreatePolygon(polygon.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(',')).Select(p => new NetTopologySuite.Geometries.Coordinate(
                double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture))).ToArray());

    /// <summary>Radius limit of a CAP circle: wider than any municipal evacuation zone (a 30 km nuclear zone, a volcano's 10 km).</summary>
    public const double MaxCircleKm = 300;

    /// <summary>CAP's "lat,lon radius" (radius in km): a centre in Japan and a radius above zero and within <see cref="MaxCircleKm"/>.</summary>
    public static (string Ja, string En)? CircleProblem(string circle)
    {
        var parts = circle.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var centre = parts.Length == 2 ? parts[0].Split(',') : [];
        if (centre.Length != 2 || !Number(centre[0], out var lat) || !Number(centre[1], out var lng) || !Number(parts[1], out var km))
            return ($"円「{circle}」は「緯度,経度 半径km」の形ではありません（例: 32.80,130.71 5）。",
                $"Circle '{circle}' is not 'lat,lon radius-km' (e.g. 32.80,130.71 5).");
        if (!InJapan(new Location(lat, lng)))
            return ($"円の中心（{lat},{lng}）が日本の範囲外です。「緯度,経度」の順か確認してください。",
                $"The circle's centre ({lat},{lng}) is outside Japan; check the order is lat,lon.");
        if (km <= 0 || km > (decimal)MaxCircleKm)
            return ($"円の半径 {km} km は扱えません。0 より大きく {MaxCircleKm} km 以下にしてください。",
                $"A circle radius of {km} km is not plausible: give more than 0 and at most {MaxCircleKm} km.");
        return null;
    }

    /// <summary>
    /// A CAP circle (already checked) as a 64-sided polygon in degrees. A kilometre of longitude shrinks with the
    /// cosine of the latitude, so the circle is an ellipse in degrees; at Japan's size that is exact enough.
    /// </summary>
    public static NetTopologySuite.Geometries.Polygon CircleShape(string circle)
    {
        var parts = circle.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var centre = parts[0].Split(',');
        var (lat, lng, km) = (Parse(centre[0]), Parse(centre[1]), Parse(parts[1]));
        var (dLat, dLng) = (km / 111.32, km / (111.32 * Math.Cos(lat * Math.PI / 180)));
        var ring = Enumerable.Range(0, 65).Select(i => 2 * Math.PI * (i % 64) / 64)
            .Select(a => new NetTopologySuite.Geometries.Coordinate(lng + dLng * Math.Cos(a), lat + dLat * Math.Sin(a))).ToArray();
        return new NetTopologySuite.Geometries.GeometryFactory().CreatePolygon(ring);

        static double Parse(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool Number(string text, out decimal value) =>
        decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value);

    /// <summary>CAP-style "lat,lon lat,lon …": numbers, at least 4 points, first equal to last, every point in Japan.</summary>
    public static (string Ja, string En)? PolygonProblem(string polygon)
    {
        var points = new List<(decimal Lat, decimal Lng)>();
        foreach (var pair in polygon.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(',');
            if (parts.Length != 2 || !Number(parts[0], out var lat) || !Number(parts[1], out var lng))
                return ($"多角形の「{pair}」は「緯度,経度」の数値の組ではありません。点は空白で区切ります。",
                    $"'{pair}' in the polygon is not a 'lat,lon' pair of numbers; separate points with spaces.");
            points.Add((lat, lng));
        }
        if (points.Count < 4)
            return ($"多角形の点が {points.Count} 個しかありません。閉じた多角形には最初と同じ点で終わる 4 点以上が必要です。",
                $"The polygon has {points.Count} points; a closed polygon needs at least 4, ending where it starts.");
        if (points[0] != points[^1])
            return ("多角形が閉じていません。最後の点を最初の点と同じにしてください。", "The polygon is not closed: make the last point equal to the first.");
        foreach (var (lat, lng) in points.Where(p => !InJapan(new Location(p.Lat, p.Lng))).Take(1))
            return ($"多角形の点（{lat},{lng}）が日本の範囲外です。「緯度,経度」の順か確認してください。",
                $"Polygon point ({lat},{lng}) is outside Japan; check the order is lat,lon.");
        if (!Shape(polygon).IsValid)
            return ("多角形の辺が交差しているか、面積がありません。点の順番を確認してください（周に沿って順に並べます）。",
                "The polygon's edges cross, or it has no area; check the order of the points (they go round its edge).");
        return null;
    }
}
