using System.Globalization;
using System.Xml.Linq;

namespace Alert.Core.Cap;

/// <summary>Writes a <see cref="CapAlert"/> as CAP 1.2 XML, elements in the order the XSD fixes.</summary>
public static class CapWriter
{
    private static readonly XNamespace Cap = CapReader.Namespace;

    public static string Write(CapAlert alert)
    {
        static XElement? Optional(string name, string? value) => string.IsNullOrEmpty(value) ? null : new XElement(Cap + name, value);
        static XElement Value(string name, CapValue v) => new(Cap + name, new XElement(Cap + "valueName", v.Name), new XElement(Cap + "value", v.Value));

        var root = new XElement(Cap + "alert",
            new XElement(Cap + "identifier", alert.Identifier),
            new XElement(Cap + "sender", alert.Sender),
            new XElement(Cap + "sent", Time(alert.Sent)),
            new XElement(Cap + "status", alert.Status),
            new XElement(Cap + "msgType", alert.MsgType),
            new XElement(Cap + "scope", alert.Scope),
            Optional("note", alert.Note),
            alert.References.Count == 0 ? null
                : new XElement(Cap + "references", string.Join(' ', alert.References.Select(r => $"{r.Sender},{r.Identifier},{r.Sent}"))),
            alert.Infos.Select(info => new XElement(Cap + "info",
                new XElement(Cap + "language", info.Language),
                info.Categories.Select(c => new XElement(Cap + "category", c)),
                new XElement(Cap + "event", info.Event),
                new XElement(Cap + "urgency", info.Urgency),
                new XElement(Cap + "severity", info.Severity),
                new XElement(Cap + "certainty", info.Certainty),
                (info.EventCodes ?? []).Select(v => Value("eventCode", v)),
                info.Expires is { } expires ? new XElement(Cap + "expires", Time(expires)) : null,
                Optional("headline", info.Headline),
                Optional("description", info.Description),
                Optional("instruction", info.Instruction),
                (info.Parameters ?? []).Select(v => Value("parameter", v)),
                info.Areas.Select(area => new XElement(Cap + "area",
                    new XElement(Cap + "areaDesc", area.AreaDesc),
                    area.Polygons.Select(p => new XElement(Cap + "polygon", p)),
                    area.Circles.Select(c => new XElement(Cap + "circle", c)),
                    area.Geocodes.Select(g => new XElement(Cap + "geocode",
                        new XElement(Cap + "valueName", g.ValueName), new XElement(Cap + "value", g.Value))))))));
        return new XDeclaration("1.0", "utf-8", null) + "\n" + root;
    }

    /// <summary>CAP forbids "Z": the offset is always written as ±hh:mm.</summary>
    public static string Time(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// A 避難指示 (level 4) for one municipality: the notice the hub's examples, tests and benchmark send.
    /// Update and Cancel name the message they replace in <paramref name="replaces"/>.
    /// </summary>
    public static CapAlert EvacuationOrder(string identifier, string code, string areaName, DateTimeOffset sent,
        string msgType = "Alert", CapReference? replaces = null, string status = "Actual", string sender = "bousai@city.kumamoto.example") =>
        new(identifier, sender, sent, status, msgType, "Public", replaces is null ? [] : [replaces],
        [
            new CapInfo("ja-JP", ["Safety"], "避難指示", "Immediate", "Severe", "Likely", null,
                $"【警戒レベル4】{areaName} 避難指示（洪水）", "河川の水位が氾濫危険水位に達しました。", "危険な場所から全員避難してください。",
                [new CapArea(areaName, [], [], [new CapGeocode(CapGeocode.LocalGovernmentCode, code, new SourceLocation("", null, null))])]),
        ]);
}
