using System.Globalization;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Core.Codes;

namespace Alert.Core.Notices;

/// <summary>
/// Writes any notice as CAP 1.2 in the hub's Japanese profile (schemas/cap/README.md): readable fields for every
/// CAP consumer (event, urgency, severity, headline, description, instruction, JISX0402 areas, polygons, the
/// evacuation level as a parameter), and the whole notice as JSON in one parameter, so the hub and other hubs can
/// read back every field.
/// </summary>
public static class NoticeCap
{
    public const string NoticeParameter = "AlertHub.Notice";
    public const string CategoryCode = "AlertHub.Category";

    /// <summary>The CAP sender of an issuer: its six-digit local government code.</summary>
    public static string Sender(string issuerCode) =>
        "jisx0402:" + (LocalGovernmentCode.TryParse(issuerCode, out var code, out _) ? code.WithCheckDigit : issuerCode);

    /// <summary>Unique per sender, and the same for the same revision whoever writes it.</summary>
    public static string Identifier(Envelope envelope) => $"{envelope.DocumentId}.r{envelope.Revision}";

    public static CapAlert ToCap(Notice notice, CapReference? previous = null)
    {
        var e = notice.Envelope;
        // A Cancel has an info too: it names the areas and carries the notice, so receivers know what to take down.
        // One info per language: Japanese with every detail, English with what a visitor needs to act.
        var japanese = Info(notice, notice.Body);
        var infos = new[] { japanese, English(notice, japanese) };
        return new CapAlert(Identifier(e), Sender(e.IssuerCode), e.Sent, e.Mode.ToString(),
            e.Kind switch { NoticeKind.Issue => "Alert", NoticeKind.Cancel => "Cancel", _ => "Update" },
            "Public", previous is null ? [] : [previous], infos,
            e.Kind switch
            {
                NoticeKind.Correction => $"訂正 Correction: {e.Reason}",
                NoticeKind.Cancel => $"取消 Cancel: {e.Reason}",
                _ => e.Reason,
            });
    }

    /// <summary>The notice a hub wrote into this alert, or null for CAP from elsewhere.</summary>
    public static Notice? FromCap(CapAlert alert)
    {
        var json = alert.Infos.Select(i => i.Parameter(NoticeParameter)).FirstOrDefault(p => p is not null);
        if (json is not null) return JsonSerializer.Deserialize<Notice>(json, NoticeJson.Options);
        return null;
    }

    private static CapInfo Info(Notice notice, NoticeBody? body)
    {
        var e = notice.Envelope;
        var (category, eventName, urgency, severity, certainty, headline, description, instruction, parameters) = body switch
        {
            EvacuationBody b => Evacuation(e, b),
            SheltersBody b => ("Safety", "避難所情報", "Expected", "Minor", "Observed",
                $"{e.IssuerName} 避難所情報（開設 {b.Shelters.Count(s => s.Status != ShelterStatus.Closed)} か所）",
                Lines(b.Shelters.Select(s => $"{s.Name}: {Status(s.Status)}{(s.Present is { } p ? $" {p}人" : "")}{(s.Capacity is { } c ? $"／定員{c}人" : "")}")),
                null, new List<CapValue>()),
            DisasterHqBody b => ("Other", "災害対策本部設置状況", "Unknown", "Minor", "Observed",
                $"{b.Name}を{(b.State == HqState.Established ? "設置" : "廃止")}しました", $"{b.Name}: {(b.State == HqState.Established ? "設置" : "廃止")} {Time(b.At)}", null, []),
            DamageBody b => ("Other", "被害情報", "Past", "Moderate", "Observed", $"{e.IssuerName} 被害情報",
                Lines(b.Reports.Select(r => $"{(r.Area.Name.Length > 0 ? r.Area.Name : r.Area.Code)}: 死者{r.Dead ?? 0} 行方不明{r.Missing ?? 0} 床上浸水{r.FloodedAboveFloor ?? 0} 床下浸水{r.FloodedBelowFloor ?? 0}")),
                null, []),
            LifelineBody b => ("Infra", "ライフライン情報", "Expected", "Moderate", "Observed", $"{e.IssuerName} ライフライン情報",
                Lines(b.Statuses.Select(s => $"{(s.Area.Name.Length > 0 ? s.Area.Name : s.Area.Code)}: {s.Kind} {s.State}{(s.Households is { } h ? $" {h}世帯" : "")}")),
                null, []),
            GeneralBody b => ("Other", "お知らせ", "Unknown", "Minor", "Observed", b.Title, b.Text, null, []),
            null => ("Other", "取消", "Past", "Minor", "Observed", $"【取消】{e.IssuerName}の情報（{e.DocumentId}）を取り消しました", e.Reason ?? "", null, new List<CapValue>()),
            _ => throw new ArgumentOutOfRangeException(nameof(body)),
        };
        parameters.Add(new CapValue(NoticeParameter, NoticeJson.Write(notice)));

        // Every code the notice names becomes a CAP area, so receivers can place it and the hub geocodes and checks
        // all of them; the paths say where the code stood in the native notice.
        var areas = e.Areas.Select((a, i) => CodeArea(a.Name, a.Code, $"/notice/envelope/areas/area[{i + 1}]/@code")).ToList();
        areas.AddRange(body switch
        {
            EvacuationBody b => b.Districts.Select((d, i) => d.Polygon is not null ? new CapArea(d.Name ?? "範囲指定 polygon", [d.Polygon], [], [])
                : d.AreaCode is not null ? CodeArea(d.Name ?? "", d.AreaCode, $"/notice/evacuation/district[{i + 1}]/areaCode") : null).OfType<CapArea>(),
            DamageBody b => b.Reports.Select((r, i) => CodeArea(r.Area.Name, r.Area.Code, $"/notice/damage/report[{i + 1}]/area/@code")),
            LifelineBody b => b.Statuses.Select((s, i) => CodeArea(s.Area.Name, s.Area.Code, $"/notice/lifeline/status[{i + 1}]/area/@code")),
            _ => [],
        });

        return new CapInfo("ja-JP", [category], eventName, urgency, severity, certainty, e.ValidUntil, headline, description, instruction, areas,
            [new CapValue(CategoryCode, notice.Category?.ToString().ToLowerInvariant() ?? "cancel")], parameters);
    }

    private static CapInfo English(Notice notice, CapInfo japanese)
    {
        var e = notice.Envelope;
        string Hazards(IEnumerable<DisasterType> types) => string.Join(", ", types.Distinct().Select(t => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(t.ToString()).Replace('-', ' ')));
        var (eventName, headline, instruction) = notice.Body switch
        {
            EvacuationBody b when HighestInForce(b) is { } level
                => (level.English(), $"[Level {(int)level}] {e.IssuerName}: {level.English()} ({Hazards(b.Districts.Select(d => d.DisasterType))})",
                    level switch
                    {
                        EvacuationLevel.EmergencySafety => "Danger to life: secure your safety immediately!",
                        EvacuationLevel.EvacuationOrder => "Everyone leave dangerous places now.",
                        _ => "Elderly people and those who need help: leave dangerous places now.",
                    }),
            EvacuationBody b => ("Evacuation lifted", $"{e.IssuerName}: evacuation information lifted ({Hazards(b.Districts.Select(d => d.DisasterType))})", (string?)null),
            SheltersBody b => ("Shelter information", $"{e.IssuerName}: shelters ({b.Shelters.Count(s => s.Status != ShelterStatus.Closed)} open)", null),
            DisasterHqBody b => ("Disaster headquarters", $"{b.Name}: {(b.State == HqState.Established ? "established" : "dissolved")}", null),
            DamageBody => ("Damage report", $"{e.IssuerName}: damage report", null),
            LifelineBody b => ("Lifeline status", $"{e.IssuerName}: {string.Join(", ", b.Statuses.Select(s => $"{s.Kind} {s.State}".ToLowerInvariant()).Distinct())}", null),
            GeneralBody => ("Notice", $"{e.IssuerName}: notice", null),
            _ => ("Cancellation", $"[Cancelled] {e.IssuerName} withdrew notice {e.DocumentId}", null),
        };
        return japanese with { Language = "en-US", Event = eventName, Headline = headline, Description = null, Instruction = instruction, Parameters = [] };
    }

    private static (string, string, string, string, string, string, string, string?, List<CapValue>) Evacuation(Envelope e, EvacuationBody b)
    {

        var hazards = string.Join("・", b.Districts.Select(d => d.DisasterType.Japanese()).Distinct());
        var description = Lines(b.Districts.Select(d =>
            $"{d.Name ?? d.AreaCode ?? "範囲指定"}: {(d.Lifted is null ? "" : "解除 ")}警戒レベル{d.Level}（{d.DisasterType.Japanese()}）" +
            $"{(d.Households is { } h ? $" {h}世帯" : "")}{(d.Persons is { } p ? $" {p}人" : "")}"));
        if (HighestInForce(b) is not { } level)
            return ("Safety", "避難情報の解除", "Past", "Minor", "Observed", $"{e.IssuerName} 避難情報の解除（{hazards}）", description, null, []);

        var (urgency, severity, certainty, instruction) = level switch
        {
            EvacuationLevel.EmergencySafety => ("Immediate", "Extreme", "Observed", "命の危険 直ちに安全確保！"),
            EvacuationLevel.EvacuationOrder => ("Immediate", "Severe", "Likely", "危険な場所から全員避難"),
            _ => ("Expected", "Moderate", "Likely", "危険な場所から高齢者等は避難"),
        };
        return ("Safety", level.Japanese(), urgency, severity, certainty, $"【警戒レベル{(int)level}】{e.IssuerName} {level.Japanese()}（{hazards}）",
            description, instruction, [new CapValue("EvacuationLevel", ((int)level).ToString(CultureInfo.InvariantCulture))]);
    }

    private static CapArea CodeArea(string name, string code, string path) => new(name.Length > 0 ? name : code, [], [],
        [new CapGeocode(CapGeocode.LocalGovernmentCode, LocalGovernmentCode.TryParse(code, out var c, out _) ? c.WithCheckDigit : code, new SourceLocation(path, null, null))]);

    /// <summary>The highest level still in force (not lifted), which the event, headline and instruction speak of.</summary>
    private static EvacuationLevel? HighestInForce(EvacuationBody body) =>
        body.Districts.Where(d => d.Lifted is null).Select(d => Notices.Evacuation.ParseLevel(d.Level)).Max();

    private static string Status(ShelterStatus status) => status switch
    {
        ShelterStatus.Open => "開設",
        ShelterStatus.Full => "満員",
        _ => "閉鎖",
    };

    private static string Time(DateTimeOffset time) => time.ToString("M月d日 H:mm", CultureInfo.InvariantCulture);

    private static string Lines(IEnumerable<string> lines) => string.Join("\n", lines);
}
