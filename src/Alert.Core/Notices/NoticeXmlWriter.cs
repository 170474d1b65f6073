using System.Globalization;
using System.Xml.Linq;
using Alert.Core.Cap;

namespace Alert.Core.Notices;

/// <summary>Writes a notice as native notice XML (notice-1.xsd), elements in schema order.</summary>
public static class NoticeXmlWriter
{
    private static readonly XNamespace N = NoticeXmlReader.Namespace;

    public static string Write(Notice notice)
    {
        var e = notice.Envelope;
        var root = new XElement(N + "notice", new XAttribute("version", "1.0"),
            new XElement(N + "envelope",
                El("documentId", e.DocumentId),
                El("revision", e.Revision),
                new XElement(N + "issuer", new XAttribute("code", e.IssuerCode), e.IssuerName),
                El("mode", e.Mode),
                El("kind", e.Kind),
                El("reason", e.Reason),
                El("sent", e.Sent),
                El("validFrom", e.ValidFrom),
                El("validUntil", e.ValidUntil),
                new XElement(N + "areas", e.Areas.Select(a => Area("area", a)))),
            notice.Body switch
            {
                EvacuationBody b => new XElement(N + "evacuation", b.Districts.Select(d => new XElement(N + "district",
                    El("name", d.Name), El("areaCode", d.AreaCode), El("polygon", d.Polygon), El("level", d.Level), El("disasterType", d.DisasterType),
                    El("households", d.Households), El("persons", d.Persons), El("issued", d.Issued), El("lifted", d.Lifted)))),
                SheltersBody b => new XElement(N + "shelters", b.Shelters.Select(s => new XElement(N + "shelter",
                    El("id", s.Id), El("name", s.Name), El("address", s.Address), Location(s.Location), El("status", s.Status),
                    El("capacity", s.Capacity), El("present", s.Present),
                    s.Hazards.Count == 0 ? null : El("hazards", string.Join(" ", s.Hazards.Select(h => Token(h)))),
                    El("opened", s.Opened), El("closed", s.Closed)))),
                DisasterHqBody b => new XElement(N + "disasterHq", El("name", b.Name), El("state", b.State), El("at", b.At)),
                DamageBody b => new XElement(N + "damage", b.Reports.Select(r => new XElement(N + "report",
                    Area("area", r.Area), El("dead", r.Dead), El("missing", r.Missing), El("seriouslyInjured", r.SeriouslyInjured),
                    El("slightlyInjured", r.SlightlyInjured), El("destroyed", r.Destroyed), El("halfDestroyed", r.HalfDestroyed),
                    El("partlyDamaged", r.PartlyDamaged), El("floodedAboveFloor", r.FloodedAboveFloor), El("floodedBelowFloor", r.FloodedBelowFloor),
                    El("at", r.At), r.Sites?.Select(s => new XElement(N + "site",
                        El("kind", s.Kind), Location(s.Location), El("note", s.Note), El("photo", s.Photo)))))),
                LifelineBody b => new XElement(N + "lifeline", b.Statuses.Select(s => new XElement(N + "status",
                    El("kind", s.Kind), El("state", s.State), El("operator", s.Operator), Area("area", s.Area), El("households", s.Households),
                    El("estimatedRestoration", s.EstimatedRestoration), El("at", s.At)))),
                GeneralBody b => new XElement(N + "general", El("title", b.Title), El("text", b.Text), b.Places.Select(p => new XElement(N + "place",
                    El("name", p.Name), El("kind", p.Kind), El("address", p.Address), Location(p.Location), El("hours", p.Hours), El("state", p.State)))),
                _ => null,
            });
        return new XDeclaration("1.0", "utf-8", null) + "\n" + root;
    }

    private static XElement Area(string name, AreaRef area) => new(N + name, new XAttribute("code", area.Code), area.Name);

    private static XElement? Location(Location? l) => l is null ? null
        : new XElement(N + "location", new XAttribute("lat", l.Lat.ToString(CultureInfo.InvariantCulture)), new XAttribute("lng", l.Lng.ToString(CultureInfo.InvariantCulture)),
            l.Precision is { } p ? new XAttribute("precision", Token(p)) : null);

    private static XElement? El(string name, object? value) => value switch
    {
        null => null,
        DateTimeOffset t => new XElement(N + name, CapWriter.Time(t)),
        Enum v => new XElement(N + name, Token(v)),
        IFormattable f => new XElement(N + name, f.ToString(null, CultureInfo.InvariantCulture)),
        _ => new XElement(N + name, value),
    };

    /// <summary>Enum members as the schema spells them: StormSurge → storm-surge, Actual → Actual for mode and kind.</summary>
    private static string Token(Enum value) => value is NoticeMode or NoticeKind
        ? value.ToString()
        : System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
