using Alert.Core.Csv;

namespace Alert.Core.Notices;

/// <summary>
/// Turns a sheet a desk already keeps (evacuation districts, shelter status, lifeline status, life-support places) into
/// the body of a native notice; the envelope comes from the request. GSI's site lists are registers, not notices.
/// </summary>
public static class CsvNotices
{
    public static readonly string[] NoticeSheets = ["evacuation-districts", "shelter-status", "lifeline-status", "life-support-places"];

    /// <summary>A places sheet's notice title when the request gives none: what residents look for in it.</summary>
    public const string PlacesTitle = "給水・入浴などの生活支援拠点";

    /// <summary>
    /// The notice, or the problems. Every bad row is reported with its line; with <paramref name="partial"/> the
    /// good rows still make the notice and the bad rows come back as <c>Skipped</c>.
    /// </summary>
    public static (Notice? Notice, IReadOnlyList<Problem> Problems, IReadOnlyList<Problem> Skipped) ToNotice(
        string sheet, Stream csv, Envelope envelope, bool partial, string? title = null, string? text = null)
    {
        NoticeBody? body;
        IReadOnlyList<Problem> problems;
        bool refused;
        int? firstRow; // good or bad: a cancel has none
        switch (sheet)
        {
            case "evacuation-districts":
                var districts = CsvFormats.ReadEvacuationDistricts(csv, CsvLimits.Notice);
                (problems, refused, firstRow) = (districts.Problems, districts.Refused, FirstRow(districts));
                body = new EvacuationBody(districts.Accepted(partial).Select(r => r.Value).Select(d => new District(
                    d.District, d.AreaCode?.WithCheckDigit, null, ((int)d.Level).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    d.DisasterType, d.Households, d.Persons, d.Issued, d.Lifted)).ToList());
                break;
            case "shelter-status":
                var shelters = CsvFormats.ReadShelterStatus(csv, CsvLimits.Notice);
                (problems, refused, firstRow) = (shelters.Problems, shelters.Refused, FirstRow(shelters));
                // The status sheet has no names: the id stands for the shelter until the register (GSI list) names it.
                body = new SheltersBody(shelters.Accepted(partial).Select(r => r.Value).Select(s => new Shelter(
                    s.ShelterId, s.ShelterId, null, null, s.Status, s.Capacity, s.PeoplePresent, [],
                    s.Status == ShelterStatus.Closed ? null : s.Time, s.Status == ShelterStatus.Closed ? s.Time : null)).ToList());
                break;
            case "lifeline-status":
                var lifelines = CsvFormats.ReadLifelineStatus(csv, CsvLimits.Notice);
                (problems, refused, firstRow) = (lifelines.Problems, lifelines.Refused, FirstRow(lifelines));
                body = new LifelineBody(lifelines.Accepted(partial).Select(r => r.Value).Select(l => new LifelineStatus(
                    l.Kind, l.State, null, new AreaRef(l.AreaCode?.WithCheckDigit ?? envelope.IssuerCode, l.Area), l.HouseholdsAffected,
                    l.EstimatedRestoration, l.Time)).ToList());
                break;
            case "life-support-places":
                var places = CsvFormats.ReadLifeSupportPlaces(csv, CsvLimits.Notice);
                (problems, refused, firstRow) = (places.Problems, places.Refused, FirstRow(places));
                body = new GeneralBody(title ?? PlacesTitle, text ?? title ?? PlacesTitle, places.Accepted(partial).Select(r => r.Value).Select(p => new Place(
                    p.Name, p.Kind, p.Address, p.Latitude is { } lat ? new Location(lat, p.Longitude!.Value) : null, p.Hours, p.State)).ToList());
                break;
            default:
                return (null, [new Problem("csv.sheet.not-a-notice", "sheet", null, null,
                    $"表「{sheet}」からは情報を作れません。使えるのは {string.Join("、", NoticeSheets)} です（GSI の避難場所・避難所一覧は台帳です）。",
                    $"Sheet '{sheet}' does not make a notice; use one of {string.Join(", ", NoticeSheets)} (GSI's site lists are registers).")], []);
        }

        // A cancel withdraws the whole document and, as in every format, carries no body: its sheet is the header
        // alone, or an empty body. Rows would suggest the issuer meant an update.
        if (envelope.Kind == NoticeKind.Cancel)
        {
            if (problems is [{ Code: "csv.header.missing" }]) return (new Notice(envelope, null), [], []); // the file is empty
            if (refused) return (null, problems, []);
            if (firstRow is { } line)
                return (null, [new Problem("notice.body.on-cancel", null, line, null,
                    "取消（kind=Cancel）の表には行を書きません。見出し行だけ（または空）で送り、理由は ?reason= に書いてください。内容を改めるときは kind=Update にします。",
                    "A cancel (kind=Cancel) sheet has no rows: send the header alone (or nothing) with the reason in ?reason=; to change the content, send kind=Update.")], []);
            return (new Notice(envelope, null), [], []);
        }

        var empty = body switch
        {
            EvacuationBody b => b.Districts.Count == 0,
            SheltersBody b => b.Shelters.Count == 0,
            LifelineBody b => b.Statuses.Count == 0,
            GeneralBody b => b.Places.Count == 0,
            _ => true,
        };
        if (refused || (problems.Count > 0 && !partial)) return (null, problems, []);
        if (empty)
            return (null, [.. problems, new Problem("csv.no-rows", null, null, null, "受け付けられる行が1行もありません。", "There is no row that can be accepted.")], []);
        return (new Notice(envelope, body), [], problems);
    }

    /// <summary>The line of the first row below the header, accepted or not (every row problem has its line).</summary>
    private static int? FirstRow<T>(CsvReadResult<T> read) => read.Rows.Select(r => (int?)r.Line).Concat(read.Problems.Select(p => p.Line)).Min();
}
