using System.Globalization;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Core.Codes;
using Alert.Core.Rendering;

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

    /// <summary>
    /// The categories receivers filter by (feeds, streams, subscribers): the hub's own, kebab-case like the native
    /// format, and "other" for CAP from elsewhere and for cancels (which reach whoever had the notice anyway).
    /// </summary>
    public static readonly string[] Categories = [.. Enum.GetValues<NoticeCategory>()
        .Select(c => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(c.ToString())), "other"];

    /// <summary>The category of a CAP info (its eventCode holds the model's name in lower case: disasterhq → disaster-hq).</summary>
    public static string Category(CapInfo info) =>
        info.EventCodes?.FirstOrDefault(c => c.Name == CategoryCode)?.Value is { } code
            ? Categories.FirstOrDefault(c => c.Replace("-", "", StringComparison.Ordinal) == code.Replace("-", "", StringComparison.Ordinal)) ?? "other"
            : "other";

    /// <summary>The parameter holding an evacuation notice's 警戒レベル (the highest in force).</summary>
    public const string LevelParameter = "EvacuationLevel";

    /// <summary>The 警戒レベル an evacuation notice's CAP carries (the highest in force), else null.</summary>
    public static int? Level(CapInfo info) => LevelValue(info.Parameter(LevelParameter));

    /// <summary>
    /// A <see cref="LevelParameter"/> value: a level in force since 2021 (3, 4 or 5) in digits, as the hub writes it,
    /// else null. CAP intake refuses any other value, so receivers never see a level that does not exist.
    /// </summary>
    public static int? LevelValue(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var level) && Enum.IsDefined((EvacuationLevel)level) ? level : null;

    /// <summary>On infos other than Japanese: the language names and the issuer's own words stand in, as written.</summary>
    public const string UntranslatedParameter = "AlertHub.Untranslated";

    /// <summary>The CAP sender of an issuer: its six-digit local government code.</summary>
    public static string Sender(string issuerCode) =>
        "jisx0402:" + (LocalGovernmentCode.TryParse(issuerCode, out var code, out _) ? code.WithCheckDigit : issuerCode);

    /// <summary>Unique per sender, and the same for the same revision whoever writes it.</summary>
    public static string Identifier(Envelope envelope) => $"{envelope.DocumentId}.r{envelope.Revision}";

    /// <summary>
    /// The notice as CAP, one info per language: Japanese first with every detail, then each of
    /// <paramref name="languages"/> (default English) with the event, headline and instruction from the standard phrases.
    /// </summary>
    public static CapAlert ToCap(Notice notice, CapReference? previous = null, IReadOnlyList<Language>? languages = null)
    {
        var e = notice.Envelope;
        // A Cancel has an info too: it names the areas and carries the notice, so receivers know what to take down.
        var japanese = Info(notice, notice.Body);
        var infos = (languages ?? [Languages.English]).Where(l => l != Languages.Japanese).Distinct()
            .Select(l => Translated(notice, japanese, l)).Prepend(japanese).ToList();
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
        var (category, urgency, severity, certainty, description, parameters) = body switch
        {
            EvacuationBody b => Evacuation(b),
            SheltersBody b => ("Safety", "Expected", "Minor", "Observed",
                Lines(b.Shelters.Select(s => $"{s.Name}: {Phrases.Standard.Get(PhraseKey.Of(s.Status), Languages.Japanese)}{(s.Present is { } p ? $" {p}人" : "")}{(s.Capacity is { } c ? $"／定員{c}人" : "")}")),
                new List<CapValue>()),
            DisasterHqBody b => ("Other", "Unknown", "Minor", "Observed", $"{b.Name}: {(b.State == HqState.Established ? "設置" : "廃止")} {Time(b.At)}", []),
            DamageBody b => ("Other", "Past", "Moderate", "Observed",
                Lines(b.Reports.Select(r => $"{(r.Area.Name.Length > 0 ? r.Area.Name : r.Area.Code)}: 死者{r.Dead ?? 0} 行方不明{r.Missing ?? 0} 床上浸水{r.FloodedAboveFloor ?? 0} 床下浸水{r.FloodedBelowFloor ?? 0}")
                    .Concat(b.Reports.SelectMany(r => r.Sites ?? []).Select(s =>
                        $"{Phrases.Standard.Get(PhraseKey.Of(s.Kind), Languages.Japanese)} ({s.Location.Lat.ToString(CultureInfo.InvariantCulture)},{s.Location.Lng.ToString(CultureInfo.InvariantCulture)})" +
                        $"{(s.Note is null ? "" : ": " + s.Note)}{(s.Photo is null ? "" : " " + s.Photo)}"))),
                []),
            LifelineBody b => ("Infra", "Expected", "Moderate", "Observed",
                Lines(b.Statuses.Select(s => $"{(s.Area.Name.Length > 0 ? s.Area.Name : s.Area.Code)}: {s.Kind} {s.State}{(s.Households is { } h ? $" {h}世帯" : "")}")),
                []),
            GeneralBody b => ("Other", "Unknown", "Minor", "Observed", b.Text, []),
            null => ("Other", "Past", "Minor", "Observed", e.Reason ?? "", new List<CapValue>()),
            _ => throw new ArgumentOutOfRangeException(nameof(body)),
        };
        var (eventName, headline, instruction) = Texts(notice, Languages.Japanese);
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

        return new CapInfo(Languages.Japanese.Tag, [category], eventName, urgency, severity, certainty, e.ValidUntil, headline, description, instruction, areas,
            [new CapValue(CategoryCode, notice.Category?.ToString().ToLowerInvariant() ?? "cancel")], parameters);
    }

    /// <summary>
    /// Another language's info: the event, headline and instruction from the standard phrases; names and the issuer's
    /// own words stay in Japanese as written (the <see cref="UntranslatedParameter"/> says so), areas as in Japanese.
    /// </summary>
    private static CapInfo Translated(Notice notice, CapInfo japanese, Language language)
    {
        var (eventName, headline, instruction) = Texts(notice, language);
        return japanese with
        {
            Language = language.Tag, Event = eventName, Headline = headline, Description = null, Instruction = instruction,
            Parameters = [new CapValue(UntranslatedParameter, Languages.Japanese.Tag)],
        };
    }

    /// <summary>
    /// Event, headline and instruction in one language, all from the standard phrases (names and titles stay as
    /// written): what CAP's infos carry, and what "what applies here" answers in a resident's language.
    /// </summary>
    public static (string Event, string Headline, string? Instruction) Texts(Notice notice, Language language)
    {
        var e = notice.Envelope;
        var phrases = Phrases.Standard;
        string Say(string key) => phrases.Get(key, language);
        string Fill(string key, params (string, string)[] values) => phrases.Format(key, language, values);
        string Hazards(IEnumerable<DisasterType> types) => string.Join(Say("list.hazards"), types.Distinct().Select(t => Say(PhraseKey.Of(t))));
        return notice.Body switch
        {
            EvacuationBody b when HighestInForce(b) is { } level => (Say(PhraseKey.Level(level)),
                Fill("headline.evacuation", ("level", ((int)level).ToString(CultureInfo.InvariantCulture)), ("issuer", e.IssuerName),
                    ("name", Say(PhraseKey.Level(level))), ("hazards", Hazards(b.Districts.Select(d => d.DisasterType)))),
                Say(PhraseKey.Action(level))),
            EvacuationBody b => (Say("event.evacuation-lifted"),
                Fill("headline.evacuation-lifted", ("issuer", e.IssuerName), ("hazards", Hazards(b.Districts.Select(d => d.DisasterType)))), null),
            SheltersBody b => (Say(PhraseKey.Of(NoticeCategory.Shelters)),
                Fill("headline.shelters", ("issuer", e.IssuerName), ("open", b.Shelters.Count(s => s.Status != ShelterStatus.Closed).ToString(CultureInfo.InvariantCulture))), null),
            DisasterHqBody b => (Say(PhraseKey.Of(NoticeCategory.DisasterHq)), Fill("headline.disaster-hq", ("name", b.Name), ("state", Say(PhraseKey.Of(b.State)))), null),
            DamageBody => (Say(PhraseKey.Of(NoticeCategory.Damage)), Fill("headline.damage", ("issuer", e.IssuerName)), null),
            LifelineBody b => (Say(PhraseKey.Of(NoticeCategory.Lifeline)), Fill("headline.lifeline", ("issuer", e.IssuerName),
                ("statuses", string.Join(Say("list.names"), b.Statuses.Select(s => Fill("lifeline.status", ("kind", Say(PhraseKey.Of(s.Kind))), ("state", Say(PhraseKey.Of(s.State))))).Distinct()))), null),
            GeneralBody b => (Say(PhraseKey.Of(NoticeCategory.General)), Fill("headline.general", ("title", b.Title), ("issuer", e.IssuerName)), null),
            _ => (Say("event.cancel"), Fill("headline.cancel", ("issuer", e.IssuerName), ("id", e.DocumentId)), null),
        };
    }

    private static (string, string, string, string, string, List<CapValue>) Evacuation(EvacuationBody b)
    {
        var description = Lines(b.Districts.Select(d =>
            $"{d.Name ?? d.AreaCode ?? "範囲指定"}: {(d.Lifted is null ? "" : "解除 ")}警戒レベル{d.Level}（{d.DisasterType.Japanese()}）" +
            $"{(d.Households is { } h ? $" {h}世帯" : "")}{(d.Persons is { } p ? $" {p}人" : "")}"));
        if (HighestInForce(b) is not { } level) return ("Safety", "Past", "Minor", "Observed", description, []);

        var (urgency, severity, certainty) = level switch
        {
            EvacuationLevel.EmergencySafety => ("Immediate", "Extreme", "Observed"),
            EvacuationLevel.EvacuationOrder => ("Immediate", "Severe", "Likely"),
            _ => ("Expected", "Moderate", "Likely"),
        };
        return ("Safety", urgency, severity, certainty, description, [new CapValue(LevelParameter, ((int)level).ToString(CultureInfo.InvariantCulture))]);
    }

    private static CapArea CodeArea(string name, string code, string path) => new(name.Length > 0 ? name : code, [], [],
        [new CapGeocode(CapGeocode.LocalGovernmentCode, LocalGovernmentCode.TryParse(code, out var c, out _) ? c.WithCheckDigit : code, new SourceLocation(path, null, null))]);

    /// <summary>The highest level still in force (not lifted), which the event, headline and instruction speak of.</summary>
    private static EvacuationLevel? HighestInForce(EvacuationBody body) =>
        body.Districts.Where(d => d.Lifted is null).Select(d => Notices.Evacuation.ParseLevel(d.Level)).Max();

    private static string Time(DateTimeOffset time) => time.ToString("M月d日 H:mm", CultureInfo.InvariantCulture);

    private static string Lines(IEnumerable<string> lines) => string.Join("\n", lines);
}
