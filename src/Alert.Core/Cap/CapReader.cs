using System.Globalization;
using System.Text;
using System.Xml.Linq;
using System.Xml.Schema;
using Alert.Core.Codes;
using Alert.Core.Xml;
using static Alert.Core.Xml.SafeXml;

namespace Alert.Core.Cap;

/// <summary>What reading a CAP document gave: the alert, or every problem found (never both).</summary>
public sealed record CapReadResult(CapAlert? Alert, IReadOnlyList<Problem> Problems, bool WellFormed)
{
    public bool IsValid => Alert is not null;
}

/// <summary>
/// Reads CAP 1.2 safely (no DTD, no external resources, bounded size), validates it against the official
/// XSD and this hub's Japanese profile, and reports every problem with its path and line.
/// </summary>
public static class CapReader
{
    public const string Namespace = "urn:oasis:names:tc:emergency:cap:1.2";
    public const int MaxReferences = 100;
    private static readonly XNamespace Cap = Namespace;

    private static readonly XmlSchemaSet Schema = SafeXml.LoadSchema("Alert.Core.schemas.cap.CAP-v1.2.xsd");

    public static CapReadResult Read(string xml) => Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)));

    /// <summary>
    /// Plain CAP 1.2 conformance, without the Japanese profile: well-formed, safe, valid against the official XSD.
    /// For vendors testing generic CAP tools and for foreign feeds.
    /// </summary>
    public static IReadOnlyList<Problem> Conformance(Stream body)
    {
        var (doc, refusal) = SafeXml.Load(body);
        if (doc is null) return [refusal!];
        var problems = new List<Problem>();
        if (doc.Root!.Name != Cap + "alert") return [RootProblem(doc.Root)];
        SafeXml.Validate(doc, Schema, "cap", "CAP 1.2", problems);
        return problems;
    }

    private static Problem RootProblem(XElement root) => Problem.At("cap.root", Locate(root),
        $"ルート要素が {root.Name.LocalName}（名前空間 {root.Name.NamespaceName}）です。CAP 1.2 の <alert xmlns=\"{Namespace}\"> を送ってください。",
        $"Root element is {root.Name.LocalName} in namespace '{root.Name.NamespaceName}'; send a CAP 1.2 <alert xmlns=\"{Namespace}\">.");

    public static CapReadResult Read(Stream body)
    {
        var (doc, refusal) = SafeXml.Load(body);
        if (doc is null) return new CapReadResult(null, [refusal!], WellFormed: false);

        var problems = new List<Problem>();
        var root = doc.Root!;
        if (root.Name != Cap + "alert") return new CapReadResult(null, [RootProblem(root)], WellFormed: true);

        SafeXml.Validate(doc, Schema, "cap", "CAP 1.2", problems);
        var alert = ReadAlert(root, problems);
        return problems.Count == 0
            ? new CapReadResult(alert, [], true)
            : new CapReadResult(null, problems, true);
    }

    // The profile: what this hub needs beyond the XSD to route a notice. Runs on invalid documents too, so every problem is reported at once.
    private static CapAlert? ReadAlert(XElement root, List<Problem> problems)
    {
        string Text(XElement parent, string name) => parent.Element(Cap + name)?.Value.Trim() ?? "";

        var status = Text(root, "status");
        var msgType = Text(root, "msgType");
        var scope = Text(root, "scope");
        if (status is "System" or "Draft")
            problems.Add(Problem.At("cap.status.unsupported", Locate(root.Element(Cap + "status")!),
                $"status「{status}」は配信できません。Actual（本番）、Exercise（訓練）、Test（試験）のいずれかにしてください。",
                $"status '{status}' cannot be distributed; use Actual, Exercise or Test."));
        if (msgType is "Ack" or "Error")
            problems.Add(Problem.At("cap.msgtype.unsupported", Locate(root.Element(Cap + "msgType")!),
                $"msgType「{msgType}」は受け付けません。Alert（発表）、Update（更新）、Cancel（取消）を使ってください。",
                $"msgType '{msgType}' is not accepted; use Alert, Update or Cancel."));
        if (scope is "Restricted" or "Private")
            problems.Add(Problem.At("cap.scope.unsupported", Locate(root.Element(Cap + "scope")!),
                $"scope「{scope}」は扱いません。住民向けの情報は Public にしてください。",
                $"scope '{scope}' is not handled; notices for residents use Public."));

        // CAP 1.2 §3.2.1: identifier and sender hold no spaces, commas or restricted characters (< and &), else references break.
        // Nor may they be empty (the XSD allows it): a reference with an empty part is refused, so such a notice could
        // never be updated or cancelled.
        foreach (var name in (string[])["identifier", "sender"])
        {
            if (root.Element(Cap + name) is { Value.Length: 0 } empty)
                problems.Add(Problem.At($"cap.{name}.invalid", Locate(empty),
                    $"{name} が空です。更新・取消で <references> に書くため、空白・カンマを含まない値を入れてください。",
                    $"{name} is empty; give a value without spaces or commas, as <references> of later updates and cancels name it."));
            else if (root.Element(Cap + name) is { } element && element.Value.IndexOfAny([' ', ',', '<', '&', '\t', '\n', '\r']) >= 0)
                problems.Add(Problem.At($"cap.{name}.invalid", Locate(element),
                    $"{name}「{element.Value}」に空白・カンマ・< や & は使えません（CAP 1.2 の規定）。",
                    $"{name} '{element.Value}' may not contain spaces, commas, '<' or '&' (CAP 1.2)."));
        }

        var references = ReadReferences(root.Element(Cap + "references"), problems);
        if (msgType is "Update" or "Cancel" && root.Element(Cap + "references") is null && root.Element(Cap + "msgType") is { } mt)
            problems.Add(Problem.At("cap.references.missing", Locate(mt),
                $"msgType が {msgType} のときは、更新・取消する元の情報を <references> で示してください（sender,identifier,sent）。",
                $"A msgType of {msgType} needs <references> naming the message it replaces (sender,identifier,sent)."));

        var infos = root.Elements(Cap + "info").Select(info => new CapInfo(
            Language: Text(info, "language") is { Length: > 0 } lang ? lang : "en-US",
            Categories: info.Elements(Cap + "category").Select(c => c.Value.Trim()).ToList(),
            Event: Text(info, "event"),
            Urgency: Text(info, "urgency"),
            Severity: Text(info, "severity"),
            Certainty: Text(info, "certainty"),
            Expires: info.Element(Cap + "expires") is { } expires ? Time(expires, problems) : null,
            Headline: info.Element(Cap + "headline")?.Value.Trim(),
            Description: info.Element(Cap + "description")?.Value.Trim(),
            Instruction: info.Element(Cap + "instruction")?.Value.Trim(),
            EventCodes: Values(info, "eventCode"),
            Parameters: Values(info, "parameter"),
            Areas: info.Elements(Cap + "area").Select(area => new CapArea(
                Text(area, "areaDesc"),
                area.Elements(Cap + "polygon").Select(p => p.Value.Trim()).ToList(),
                area.Elements(Cap + "circle").Select(c => c.Value.Trim()).ToList(),
                area.Elements(Cap + "geocode").Select(g => new CapGeocode(
                    Text(g, "valueName"), Text(g, "value"), Locate(g.Element(Cap + "value") ?? g))).ToList())).ToList())).ToList();

        // Invalid polygons are blocked before anything is published: a receiver drawing one would mislead residents.
        foreach (var polygon in root.Elements(Cap + "info").Elements(Cap + "area").Elements(Cap + "polygon"))
        {
            if (Notices.NoticeRules.PolygonProblem(polygon.Value) is { } wrong)
                problems.Add(Problem.At("geo.polygon.invalid", Locate(polygon), wrong.Ja, wrong.En));
        }
        foreach (var circle in root.Elements(Cap + "info").Elements(Cap + "area").Elements(Cap + "circle"))
        {
            if (Notices.NoticeRules.CircleProblem(circle.Value) is { } wrong)
                problems.Add(Problem.At("geo.circle.invalid", Locate(circle), wrong.Ja, wrong.En));
        }

        // Receivers rank, filter and show evacuation information by this level as it is: only the levels in force since
        // 2021-05-20 exist (3, 4, 5), as in the native format, so a 9 or a word never reaches them.
        foreach (var parameter in root.Elements(Cap + "info").Elements(Cap + "parameter")
                     .Where(p => p.Element(Cap + "valueName")?.Value == Notices.NoticeCap.LevelParameter))
        {
            var value = parameter.Element(Cap + "value") ?? parameter;
            if (Notices.Evacuation.IsAbolished(value.Value))
                problems.Add(Problem.At(Notices.Evacuation.AbolishedProblem.Code, Locate(value), Notices.Evacuation.AbolishedProblem.Ja, Notices.Evacuation.AbolishedProblem.En));
            else if (Notices.NoticeCap.LevelValue(value.Value) is null)
                problems.Add(Problem.At("evacuation.level.unknown", Locate(value),
                    $"{Notices.NoticeCap.LevelParameter}「{value.Value}」は使えません。警戒レベルを数字で 3（高齢者等避難）、4（避難指示）、5（緊急安全確保）のいずれかにしてください。",
                    $"{Notices.NoticeCap.LevelParameter} '{value.Value}' is not a level: give 3 (高齢者等避難), 4 (避難指示) or 5 (緊急安全確保) as a digit."));
        }

        var codes = infos.SelectMany(i => i.Areas).SelectMany(a => a.Geocodes).Where(g => g.IsLocalGovernmentCode).ToList();
        foreach (var geocode in codes)
        {
            if (!LocalGovernmentCode.TryParse(geocode.Value, out _, out var error))
                problems.Add(Problem.At(error.Code, geocode.At, error.Ja, error.En));
        }

        // Routing needs codes: a notice names them, or draws polygons and circles the hub finds the municipalities of.
        var shapes = infos.SelectMany(i => i.Areas).Sum(a => a.Polygons.Count + a.Circles.Count);
        if (msgType != "Cancel" && root.Elements(Cap + "info").Any() && codes.Count == 0 && shapes == 0)
            problems.Add(Problem.At("cap.area.no-code", Locate(root.Element(Cap + "info")!),
                "対象地域の地方公共団体コードも範囲（polygon・circle）もありません。<area> に <geocode><valueName>JISX0402</valueName><value>431001</value></geocode> の形で指定してください。",
                "The area has no local government code and no polygon or circle: add <geocode><valueName>JISX0402</valueName><value>431001</value></geocode> to an <area>."));
        if (msgType != "Cancel" && !root.Elements(Cap + "info").Any())
            problems.Add(Problem.At("cap.info.missing", Locate(root),
                "<info> がありません。発表・更新には少なくとも1つの <info>（言語ごと）が必要です。",
                "No <info>: an Alert or Update needs at least one <info> (one per language)."));

        var sent = root.Element(Cap + "sent") is { } sentElement ? Time(sentElement, problems) : null;

        // An info is in force from when it is sent, takes effect or its event begins until it expires: one that expires
        // first is a typing error, as notice.times.order says for native notices. Only the order is checked: whether a
        // notice has already expired by the clock is decided where it is distributed, not here.
        foreach (var (element, info) in root.Elements(Cap + "info").Zip(infos))
        {
            foreach (var start in new[] { root.Element(Cap + "sent"), element.Element(Cap + "effective"), element.Element(Cap + "onset") }.OfType<XElement>())
            {
                var name = start.Name.LocalName;
                // effective and onset are read even without expires, so an impossible offset is reported as for sent.
                if ((name == "sent" ? sent : Time(start, problems)) is { } time && info.Expires is { } expires && expires <= time)
                    problems.Add(Problem.At("cap.times.order", Locate(element.Element(Cap + "expires")!),
                        $"expires（{Text(element, "expires")}）が {name}（{start.Value.Trim()}）より後になっていません。expires は sent・effective・onset より後の日時にしてください。",
                        $"expires ({Text(element, "expires")}) is not after {name} ({start.Value.Trim()}); an info expires after it is sent, takes effect and its event begins."));
            }
        }

        if (problems.Count > 0) return null;
        return new CapAlert(Text(root, "identifier"), Text(root, "sender"), sent!.Value, status, msgType, scope, references, infos,
            root.Element(Cap + "note")?.Value);
    }

    private static List<CapValue> Values(XElement info, string name) =>
        info.Elements(Cap + name).Select(v => new CapValue(v.Element(Cap + "valueName")?.Value ?? "", v.Element(Cap + "value")?.Value ?? "")).ToList();

    // The XSD's pattern admits offsets up to ±23:59 and year 0001; .NET (and reality) stop at ±14:00.
    private static DateTimeOffset? Time(XElement element, List<Problem> problems)
    {
        if (DateTimeOffset.TryParse(element.Value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)) return time;
        var at = Locate(element);
        if (problems.All(p => p.Line != at.Line)) // the XSD may already have said the format is wrong
            problems.Add(Problem.At($"cap.{element.Name.LocalName}.invalid", at,
                $"{element.Name.LocalName}「{element.Value}」は日時として扱えません（時差は -14:00〜+14:00、例: 2026-07-01T03:00:00+09:00）。",
                $"{element.Name.LocalName} '{element.Value}' is not a usable date-time (offsets run from -14:00 to +14:00, e.g. 2026-07-01T03:00:00+09:00)."));
        return null;
    }

    private static List<CapReference> ReadReferences(XElement? element, List<Problem> problems)
    {
        var references = new List<CapReference>();
        if (element is null) return references;
        var tokens = element.Value.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length > MaxReferences)
        {
            problems.Add(Problem.At("cap.references.too-many", Locate(element),
                $"<references> が多すぎます（{MaxReferences} 件まで）。更新・取消する情報の直前の版を含めてください。",
                $"<references> lists too many messages (at most {MaxReferences}); include the latest revision of the notice you replace."));
            return references;
        }
        foreach (var token in tokens)
        {
            var parts = token.Split(',');
            if (parts.Length == 3 && parts.All(p => p.Length > 0))
                references.Add(new CapReference(parts[0], parts[1], parts[2]));
            else
                problems.Add(Problem.At("cap.references.format", Locate(element),
                    $"<references> の「{token}」は sender,identifier,sent の形ではありません（複数ある場合は空白で区切ります）。",
                    $"'{token}' in <references> is not sender,identifier,sent (separate several with spaces)."));
        }
        return references;
    }
}
