using System.Globalization;
using System.Text;
using System.Xml.Linq;
using System.Xml.Schema;
using Alert.Core.Xml;

namespace Alert.Core.Notices;

/// <summary>What reading a notice gave: the notice, or every problem found (never both).</summary>
public sealed record NoticeReadResult(Notice? Notice, IReadOnlyList<Problem> Problems, bool WellFormed)
{
    public bool IsValid => Notice is not null;
}

/// <summary>
/// Reads the hub's native notice XML (schemas/notice/notice-1.xsd): safely, against the XSD, then the rules
/// the XSD cannot express (<see cref="NoticeRules"/>). Every problem carries its path and line.
/// </summary>
public static class NoticeXmlReader
{
    public const string Namespace = "urn:alert-hub:notice:1";
    private static readonly XNamespace N = Namespace;
    private static readonly XmlSchemaSet Schema = SafeXml.LoadSchema("Alert.Core.schemas.notice.notice-1.xsd");

    public static NoticeReadResult Read(string xml) => Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)));

    public static NoticeReadResult Read(Stream body)
    {
        var (doc, refusal) = SafeXml.Load(body);
        if (doc is null) return new NoticeReadResult(null, [refusal!], WellFormed: false);

        var root = doc.Root!;
        if (root.Name != N + "notice")
            return new NoticeReadResult(null, [Problem.At("notice.root", SafeXml.Locate(root),
                $"ルート要素が {root.Name.LocalName}（名前空間 {root.Name.NamespaceName}）です。<notice xmlns=\"{Namespace}\" version=\"1.0\"> を送ってください。",
                $"Root element is {root.Name.LocalName} in namespace '{root.Name.NamespaceName}'; send <notice xmlns=\"{Namespace}\" version=\"1.0\">.")], true);

        var problems = new List<Problem>();
        SafeXml.Validate(doc, Schema, "notice", "通知スキーマ notice-1", problems);
        if (problems.Count > 0) return new NoticeReadResult(null, problems, true);

        // Valid against the XSD: every required element is there and every value has its type.
        var locations = new Dictionary<string, SourceLocation>();
        var notice = new Reader(locations, problems).Notice(root);
        if (problems.Count == 0) problems.AddRange(NoticeRules.Check(notice, path => locations.GetValueOrDefault(path)));
        return problems.Count == 0 ? new NoticeReadResult(notice, [], true) : new NoticeReadResult(null, problems, true);
    }

    /// <summary>Builds the model and notes where each value stood, by the rule paths of <see cref="NoticeRules"/>.</summary>
    private sealed class Reader(Dictionary<string, SourceLocation> locations, List<Problem> problems)
    {
        private XElement? At(XElement parent, string name, string path)
        {
            var element = parent.Element(N + name);
            locations[path] = SafeXml.Locate(element ?? parent);
            return element;
        }

        private string? Str(XElement parent, string name, string path) => At(parent, name, path)?.Value.Trim();

        private int? Int(XElement parent, string name, string path)
        {
            if (Str(parent, name, path) is not { } s) return null;
            if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
            problems.Add(Problem.At("notice.number.too-large", locations[path],
                $"{name} の値 {s} が大きすぎます（{int.MaxValue:N0} まで）。", $"{name} = {s} is too large (at most {int.MaxValue:N0})."));
            return null;
        }

        // The XSD's dateTime admits offsets up to ±23:59 and year 0001; .NET (and reality) stop at ±14:00.
        private DateTimeOffset? Time(XElement parent, string name, string path)
        {
            if (Str(parent, name, path) is not { } s) return null;
            if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)) return time;
            problems.Add(Problem.At("notice.time.invalid", locations[path],
                $"{name}「{s}」は日時として扱えません（時差は -14:00〜+14:00、例: 2026-07-01T03:00:00+09:00）。",
                $"{name} '{s}' is not a usable date-time (offsets run from -14:00 to +14:00, e.g. 2026-07-01T03:00:00+09:00)."));
            return DateTimeOffset.MinValue;
        }

        private static T Enum<T>(string value) where T : struct, Enum =>
            System.Enum.Parse<T>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);

        private AreaRef Area(XElement element, string path)
        {
            locations[path + ".Code"] = SafeXml.Locate(element.Attribute("code")!);
            return new AreaRef(element.Attribute("code")!.Value.Trim(), element.Value.Trim());
        }

        private Location? Location(XElement parent, string path) => At(parent, "location", path) is { } l
            ? new Location(decimal.Parse(l.Attribute("lat")!.Value, CultureInfo.InvariantCulture), decimal.Parse(l.Attribute("lng")!.Value, CultureInfo.InvariantCulture),
                l.Attribute("precision") is { } p ? Enum<LocationPrecision>(p.Value) : null)
            : null;

        public Notice Notice(XElement root)
        {
            var e = root.Element(N + "envelope")!;
            var issuer = e.Element(N + "issuer")!;
            locations["Envelope.IssuerCode"] = SafeXml.Locate(issuer.Attribute("code")!);
            var envelope = new Envelope(
                Str(e, "documentId", "Envelope.DocumentId")!,
                Int(e, "revision", "Envelope.Revision") ?? 0, // a revision too large was reported: the model is not used
                issuer.Attribute("code")!.Value.Trim(),
                issuer.Value.Trim(),
                Enum<NoticeMode>(Str(e, "mode", "Envelope.Mode")!),
                Enum<NoticeKind>(Str(e, "kind", "Envelope.Kind")!),
                Str(e, "reason", "Envelope.Reason"),
                Time(e, "sent", "Envelope.Sent")!.Value,
                Time(e, "validFrom", "Envelope.ValidFrom"),
                Time(e, "validUntil", "Envelope.ValidUntil"),
                e.Element(N + "areas")!.Elements(N + "area").Select((a, i) => Area(a, $"Envelope.Areas[{i}]")).ToList());

            // The body follows the envelope; an XML signature after it is not part of the notice.
            var body = root.Elements().Skip(1).FirstOrDefault(b => b.Name.Namespace == N);
            locations["Body"] = SafeXml.Locate(body ?? e);
            return new Notice(envelope, body?.Name.LocalName switch
            {
                "evacuation" => new EvacuationBody(body.Elements(N + "district").Select((d, i) => District(d, $"Body.Districts[{i}]")).ToList()),
                "shelters" => new SheltersBody(body.Elements(N + "shelter").Select((s, i) => Shelter(s, $"Body.Shelters[{i}]")).ToList()),
                "disasterHq" => new DisasterHqBody(Str(body, "name", "Body.Name")!, Enum<HqState>(Str(body, "state", "Body.State")!), Time(body, "at", "Body.At")!.Value),
                "damage" => new DamageBody(body.Elements(N + "report").Select((r, i) => Damage(r, $"Body.Reports[{i}]")).ToList()),
                "lifeline" => new LifelineBody(body.Elements(N + "status").Select((s, i) => Lifeline(s, $"Body.Statuses[{i}]")).ToList()),
                "general" => new GeneralBody(Str(body, "title", "Body.Title")!, Str(body, "text", "Body.Text")!,
                    body.Elements(N + "place").Select((p, i) => Place(p, $"Body.Places[{i}]")).ToList()),
                _ => null,
            });
        }

        private District District(XElement d, string path)
        {
            locations[path] = SafeXml.Locate(d);
            return new District(
                Str(d, "name", path + ".Name"), Str(d, "areaCode", path + ".AreaCode"), Str(d, "polygon", path + ".Polygon"),
                Str(d, "level", path + ".Level")!, Enum<DisasterType>(Str(d, "disasterType", path + ".DisasterType")!),
                Int(d, "households", path + ".Households"), Int(d, "persons", path + ".Persons"),
                Time(d, "issued", path + ".Issued"), Time(d, "lifted", path + ".Lifted"));
        }

        private Shelter Shelter(XElement s, string path)
        {
            locations[path] = SafeXml.Locate(s);
            return new Shelter(
                Str(s, "id", path + ".Id"), Str(s, "name", path + ".Name")!, Str(s, "address", path + ".Address"), Location(s, path + ".Location"),
                Enum<ShelterStatus>(Str(s, "status", path + ".Status")!), Int(s, "capacity", path + ".Capacity"), Int(s, "present", path + ".Present"),
                (Str(s, "hazards", path + ".Hazards") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Enum<DisasterType>).ToList(),
                Time(s, "opened", path + ".Opened"), Time(s, "closed", path + ".Closed"));
        }

        private DamageReport Damage(XElement r, string path) => new(
            Area(r.Element(N + "area")!, path + ".Area"),
            Int(r, "dead", path + ".Dead"), Int(r, "missing", path + ".Missing"),
            Int(r, "seriouslyInjured", path + ".SeriouslyInjured"), Int(r, "slightlyInjured", path + ".SlightlyInjured"),
            Int(r, "destroyed", path + ".Destroyed"), Int(r, "halfDestroyed", path + ".HalfDestroyed"), Int(r, "partlyDamaged", path + ".PartlyDamaged"),
            Int(r, "floodedAboveFloor", path + ".FloodedAboveFloor"), Int(r, "floodedBelowFloor", path + ".FloodedBelowFloor"),
            Time(r, "at", path + ".At")!.Value,
            r.Elements(N + "site").Any() ? r.Elements(N + "site").Select((s, i) => Site(s, $"{path}.Sites[{i}]")).ToList() : null);

        private DamageSite Site(XElement s, string path)
        {
            locations[path] = SafeXml.Locate(s);
            return new DamageSite(Enum<DamageSiteKind>(Str(s, "kind", path + ".Kind")!), Location(s, path + ".Location")!,
                Str(s, "note", path + ".Note"), Str(s, "photo", path + ".Photo"));
        }

        private LifelineStatus Lifeline(XElement s, string path) => new(
            Enum<LifelineKind>(Str(s, "kind", path + ".Kind")!), Enum<LifelineState>(Str(s, "state", path + ".State")!),
            Str(s, "operator", path + ".Operator"), Area(s.Element(N + "area")!, path + ".Area"), Int(s, "households", path + ".Households"),
            Time(s, "estimatedRestoration", path + ".EstimatedRestoration"), Time(s, "at", path + ".At")!.Value);

        private Place Place(XElement p, string path) => new(
            Str(p, "name", path + ".Name")!, Str(p, "kind", path + ".Kind") is { } k ? Enum<PlaceKind>(k) : null,
            Str(p, "address", path + ".Address"), Location(p, path + ".Location"), Str(p, "hours", path + ".Hours"),
            Str(p, "state", path + ".State") is { } state ? Enum<PlaceState>(state) : null);
    }
}
