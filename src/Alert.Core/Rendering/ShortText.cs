using System.Globalization;
using Alert.Core.Notices;

namespace Alert.Core.Rendering;

/// <summary>Text made of parts, some of them the issuer's words as written; <see cref="Text"/> is what a receiver shows.</summary>
public sealed record RenderedText(IReadOnlyList<TextPart> Parts)
{
    public string Text => string.Concat(Parts.Select(p => p.Text));

    public override string ToString() => Text;
}

/// <summary>
/// The short text of a notice for signage and area mail, in one language: the level, the areas, the action and the
/// time in Japan time (7月1日 3:00), or what was cancelled or lifted. At most <see cref="MaxLength"/> UTF-16 code units
/// (string.Length: a character outside the BMP counts two, so a receiver counting characters sees no more).
/// A list that does not fit ends in a count (…ほか3地区) rather than a name cut short.
/// </summary>
public static class ShortText
{
    public const int MaxLength = 360;

    private sealed record Line(IReadOnlyList<TextPart> Parts, bool FreeText = false)
    {
        public int Length => Parts.Sum(p => p.Text.Length);
    }

    public static RenderedText Write(Notice notice, Language language, int maxLength = MaxLength)
    {
        var w = new Writer(language);
        var e = notice.Envelope;
        var items = e.Areas.Count + notice.Body switch
        {
            EvacuationBody b => b.Districts.Count,
            SheltersBody b => b.Shelters.Count,
            DamageBody b => b.Reports.Count,
            LifelineBody b => b.Statuses.Count,
            _ => 0,
        };
        // Fewer names in each list until the text fits; a list may end up as a bare count ("12地区").
        for (var names = Math.Min(items, maxLength / 2); ; names--)
        {
            var lines = Lines(notice, w, names);
            if (lines.Sum(l => l.Length) + lines.Count - 1 <= maxLength || names <= 0) return Fit(lines, maxLength, language.Tag);
        }
    }

    private static List<Line> Lines(Notice notice, Writer w, int names)
    {
        var e = notice.Envelope;
        var kind = PhraseKey.Of(e.Kind);
        var lines = new List<Line>();
        switch (notice.Body)
        {
            case EvacuationBody b:
                var levels = b.Districts.Where(d => d.Lifted is null).GroupBy(d => Evacuation.ParseLevel(d.Level))
                    .Where(g => g.Key is not null).OrderByDescending(g => g.Key).ToList();
                foreach (var group in levels)
                {
                    var level = group.Key!.Value;
                    var label = w.Fill("short.level", ("level", w.Plain(((int)level).ToString(CultureInfo.InvariantCulture))),
                        ("name", w.Say(PhraseKey.Level(level))), ("hazards", w.Join("list.hazards", group.Select(d => d.DisasterType).Distinct().Select(t => w.Say(PhraseKey.Of(t))))));
                    lines.Add(new(w.Fill("short.line", ("label", label), ("list", w.List(group.Select(d => DistrictName(d, e, w)), "areas", names)))));
                }
                var lifted = b.Districts.Where(d => d.Lifted is not null).ToList();
                if (lifted.Count > 0)
                    lines.Add(new(w.Fill("short.line", ("label", w.Say("kind.lifted")), ("list", w.List(lifted.Select(d => DistrictName(d, e, w)), "areas", names)))));
                if (levels.Count > 0) lines.Add(new(w.Say(PhraseKey.Action(levels[0].Key!.Value))));
                else kind = "kind.lifted";
                break;
            case SheltersBody b:
                lines.Add(new([.. w.Tag(PhraseKey.Of(NoticeCategory.Shelters)), TextPart.AsWritten(e.IssuerName)]));
                foreach (var group in b.Shelters.GroupBy(s => s.Status).OrderBy(g => g.Key))
                    lines.Add(new(w.Fill("short.line", ("label", w.Say(PhraseKey.Of(group.Key))), ("list", w.List(group.Select(s => Written(s.Name)), "places", names)))));
                break;
            case DisasterHqBody b:
                lines.Add(new([.. w.Tag(PhraseKey.Of(NoticeCategory.DisasterHq)),
                    .. w.Fill("headline.disaster-hq", ("name", Written(b.Name)), ("state", w.Say(PhraseKey.Of(b.State))))]));
                break;
            case DamageBody b:
                lines.Add(new([.. w.Tag(PhraseKey.Of(NoticeCategory.Damage)), TextPart.AsWritten(e.IssuerName)]));
                var sites = b.Reports.SelectMany(r => r.Sites ?? []).ToList();
                // Sites seen on the ground are not figures: a report of sites alone claims no count of dead or missing.
                if (sites.Count == 0 || b.Reports.Any(r => r.Dead is not null || r.Missing is not null))
                    lines.Add(new(w.Fill("damage.summary", ("dead", w.Plain(Count(b.Reports.Sum(r => r.Dead ?? 0)))), ("missing", w.Plain(Count(b.Reports.Sum(r => r.Missing ?? 0)))))));
                foreach (var group in sites.GroupBy(s => s.Kind).OrderBy(g => g.Key))
                    lines.Add(new(w.Fill("damage.sites", ("kind", w.Say(PhraseKey.Of(group.Key))), ("count", w.Plain(Count(group.Count()))))));
                lines.Add(new(w.Fill("short.line", ("label", w.Say("label.areas")), ("list", w.List(b.Reports.Select(r => AreaName(r.Area)), "areas", names)))));
                break;
            case LifelineBody b:
                lines.Add(new([.. w.Tag(PhraseKey.Of(NoticeCategory.Lifeline)), TextPart.AsWritten(e.IssuerName)]));
                foreach (var group in b.Statuses.GroupBy(s => (s.Kind, s.State)))
                {
                    var label = w.Fill("lifeline.status", ("kind", w.Say(PhraseKey.Of(group.Key.Kind))), ("state", w.Say(PhraseKey.Of(group.Key.State))));
                    lines.Add(new(w.Fill("short.line", ("label", label), ("list", w.List(group.Select(s => AreaName(s.Area)), "areas", names)))));
                }
                break;
            case GeneralBody b:
                lines.Add(new([.. w.Tag(PhraseKey.Of(NoticeCategory.General)), TextPart.AsWritten(b.Title)]));
                if (b.Text.Length > 0) lines.Add(new([TextPart.AsWritten(b.Text)], FreeText: true));
                break;
            default: // a cancel: what it takes down, and why
                lines.Add(new(w.Fill("headline.cancel", ("issuer", Written(e.IssuerName)), ("id", w.Plain(e.DocumentId)))));
                if (e.Areas.Count > 0)
                    lines.Add(new(w.Fill("short.line", ("label", w.Say("label.areas")), ("list", w.List(e.Areas.Select(AreaName), "areas", names)))));
                break;
        }
        if (e.Kind is NoticeKind.Correction or NoticeKind.Cancel && !string.IsNullOrWhiteSpace(e.Reason))
            lines.Add(new(w.Fill("short.line", ("label", w.Say("label.reason")), ("list", Written(e.Reason))), FreeText: true));
        lines.Add(new(w.Fill("short.footer", ("issuer", Written(e.IssuerName)), ("time", w.Time(JapanTime.Of(e.Sent))), ("kind", w.Say(kind)))));

        // Exercise and test traffic is marked as such everywhere; a correction says so before anything else.
        var prefix = new List<TextPart>();
        if (e.Mode != NoticeMode.Actual) prefix.AddRange(w.Tag(PhraseKey.Of(e.Mode)));
        if (e.Kind == NoticeKind.Correction) prefix.AddRange(w.Tag(PhraseKey.Of(NoticeKind.Correction)));
        lines[0] = lines[0] with { Parts = [.. prefix, .. lines[0].Parts] };
        return lines;
    }

    private static IReadOnlyList<TextPart> Written(string text) => [TextPart.AsWritten(text)];

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static IReadOnlyList<TextPart> AreaName(AreaRef area) => Written(area.Name.Length > 0 ? area.Name : area.Code);

    private static IReadOnlyList<TextPart> DistrictName(District d, Envelope e, Writer w) =>
        d.Name is { Length: > 0 } name ? Written(name)
        : e.Areas.FirstOrDefault(a => a.Code == d.AreaCode && a.Name.Length > 0) is { } area ? Written(area.Name)
        : d.AreaCode is { } code ? Written(code)
        : w.Say("area.drawn");

    /// <summary>Joins the lines; if free text (a notice's body, a reason) makes it too long, that is shortened, then anything.</summary>
    private static RenderedText Fit(List<Line> lines, int maxLength, string language)
    {
        var excess = lines.Sum(l => l.Length) + lines.Count - 1 - maxLength;
        for (var i = lines.Count - 1; i >= 0 && excess > 0; i--)
        {
            if (!lines[i].FreeText) continue;
            var parts = lines[i].Parts.ToList();
            var longest = parts.FindIndex(p => p.Verbatim && p.Text.Length == parts.Where(q => q.Verbatim).Max(q => q.Text.Length));
            var before = parts[longest].Text.Length;
            parts[longest] = parts[longest] with { Text = Shorten(parts[longest].Text, Math.Max(0, before - excess)) };
            excess -= before - parts[longest].Text.Length;
            lines[i] = lines[i] with { Parts = parts };
        }

        var all = lines.SelectMany((l, i) => i == 0 ? l.Parts : l.Parts.Prepend(new TextPart("\n", language, false))).ToList();
        var room = maxLength;
        var kept = new List<TextPart>();
        foreach (var part in all)
        {
            if (part.Text.Length <= room) { kept.Add(part); room -= part.Text.Length; continue; }
            if (room > 0) kept.Add(part with { Text = Shorten(part.Text, room) });
            break;
        }
        return new RenderedText(kept.Where(p => p.Text.Length > 0).ToList());
    }

    /// <summary>At most <paramref name="room"/> code units ending in "…", at a sentence end when one is near, never inside a surrogate pair.</summary>
    private static string Shorten(string text, int room)
    {
        if (text.Length <= room) return text;
        if (room < 2) return "";
        var cut = room - 1;
        if (char.IsHighSurrogate(text[cut - 1])) cut--;
        var stop = text.LastIndexOfAny(['。', '！', '？', '!', '?', '\n'], cut - 1);
        return (stop >= cut / 2 ? text[..(stop + 1)].TrimEnd('\n') : text[..cut]) + "…";
    }

    /// <summary>Phrases in one language as parts.</summary>
    private sealed class Writer(Language language)
    {
        private readonly Phrases phrases = Phrases.Standard;

        public IReadOnlyList<TextPart> Say(string key) => [new(phrases.Get(key, language), language.Tag, false)];

        public IReadOnlyList<TextPart> Plain(string text) => [new(text, language.Tag, false)];

        public IReadOnlyList<TextPart> Fill(string key, params (string Name, IReadOnlyList<TextPart> Value)[] values) => phrases.Compose(key, language, values);

        public IReadOnlyList<TextPart> Tag(string key) => Fill("short.tag", ("tag", Say(key)));

        public List<TextPart> Join(string separatorKey, IEnumerable<IReadOnlyList<TextPart>> items)
        {
            var separator = Say(separatorKey);
            return items.SelectMany((item, i) => i == 0 ? item : [.. separator, .. item]).ToList();
        }

        /// <summary>The first <paramref name="names"/> names, and how many more ("areas" → areas.more, areas.count).</summary>
        public IReadOnlyList<TextPart> List(IEnumerable<IReadOnlyList<TextPart>> items, string kind, int names)
        {
            var all = items.DistinctBy(i => string.Concat(i.Select(p => p.Text))).ToList();
            if (all.Count <= names) return Join("list.names", all);
            var more = Plain(Count(all.Count - names));
            return names <= 0 ? Fill($"{kind}.count", ("count", Plain(Count(all.Count))))
                : Fill($"{kind}.more", ("names", Join("list.names", all.Take(names))), ("count", more));
        }

        public IReadOnlyList<TextPart> Time(DateTimeOffset time) => Fill("time",
            ("month", Plain(phrases.Get("month.names", language).Split(',')[time.Month - 1])), ("day", Plain(Count(time.Day))),
            ("hour", Plain(Count(time.Hour))), ("minute", Plain(time.Minute.ToString("00", CultureInfo.InvariantCulture))));
    }
}
