using System.Text;
using Alert.Core.Codes;
using Alert.Core.Notices;

namespace Alert.Core.Csv;

public enum ShelterSiteKind { EmergencySite, DesignatedShelter }

/// <summary>
/// A row of GSI's 指定緊急避難場所 or 指定避難所 list. Coordinates are decimals holding every digit given
/// (32.803100 stays 32.803100). Hazards are set only for emergency sites; the last two texts only for shelters.
/// </summary>
public sealed record ShelterSite(
    ShelterSiteKind Kind,
    int No,
    string CommonId,
    LocalGovernmentCode Municipality,
    string Name,
    string Address,
    IReadOnlySet<DisasterType> Hazards,
    bool SameAddressInOtherList,
    decimal Latitude,
    decimal Longitude,
    string? Note,
    string? OtherMatters = null,
    string? AcceptedPeople = null);

public sealed record ShelterStatusRow(string ShelterId, ShelterStatus Status, int PeoplePresent, int? Capacity, DateTimeOffset Time);

public sealed record EvacuationDistrictRow(
    string District,
    LocalGovernmentCode? AreaCode,
    EvacuationLevel Level,
    DisasterType DisasterType,
    int Households,
    int Persons,
    DateTimeOffset Issued,
    DateTimeOffset? Lifted);

/// <summary><see cref="Area"/> as written; <see cref="AreaCode"/> when it was a local government code.</summary>
public sealed record LifelineStatusRow(
    LifelineKind Kind,
    LifelineState State,
    int? HouseholdsAffected,
    string Area,
    LocalGovernmentCode? AreaCode,
    DateTimeOffset? EstimatedRestoration,
    DateTimeOffset Time);

/// <summary>A place residents look for (給水所, 入浴支援…): coordinates with every digit given, or an address to place.</summary>
public sealed record LifeSupportPlaceRow(string Name, PlaceKind Kind, string? Address, decimal? Latitude, decimal? Longitude, string? Hours, PlaceState State);

public sealed record CsvRow<T>(int Line, T Value);

/// <summary>
/// The rows that passed every check, every problem found (by line), and the encoding the file was read as.
/// A file is taken all or nothing by default; a caller that accepts part of a file takes <c>Accepted(partial: true)</c>.
/// </summary>
public sealed record CsvReadResult<T>(IReadOnlyList<CsvRow<T>> Rows, IReadOnlyList<Problem> Problems, string? Encoding, bool Refused)
{
    public bool IsValid => Problems.Count == 0;

    public IReadOnlyList<CsvRow<T>> Accepted(bool partial = false) => IsValid || partial ? Rows : [];
}

/// <summary>
/// The six CSV formats: each reads its schema from schemas/csv, then applies the rules CSVW cannot state
/// (vocabularies, codes, one column against another, one row against another), listed in schemas/csv/README.md.
/// </summary>
public static class CsvFormats
{
    /// <summary>
    /// Every sheet by the name the API and the CLI use, reading to (problems, rows read); those that become notices
    /// under the limits intake reads them with, so a sheet checked offline is not refused by the hub for its length.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Func<Stream, (IReadOnlyList<Problem> Problems, int Rows)>> Sheets =
        new Dictionary<string, Func<Stream, (IReadOnlyList<Problem>, int)>>
        {
            ["gsi-emergency-sites"] = s => Summary(ReadEmergencySites(s)),
            ["gsi-shelters"] = s => Summary(ReadDesignatedShelters(s)),
            ["shelter-status"] = s => Summary(ReadShelterStatus(s, CsvLimits.Notice)),
            ["evacuation-districts"] = s => Summary(ReadEvacuationDistricts(s, CsvLimits.Notice)),
            ["lifeline-status"] = s => Summary(ReadLifelineStatus(s, CsvLimits.Notice)),
            ["life-support-places"] = s => Summary(ReadLifeSupportPlaces(s, CsvLimits.Notice)),
        };

    private static (IReadOnlyList<Problem>, int) Summary<T>(CsvReadResult<T> result) => (result.Problems, result.Rows.Count);

    /// <summary>The sheet whose header this file has, or null when none matches.</summary>
    public static string? DetectSheet(byte[] csv) =>
        Sheets.FirstOrDefault(s => !s.Value(new MemoryStream(csv)).Problems.Any(p => p.Path == "header")).Key;

    public static CsvReadResult<ShelterSite> ReadEmergencySites(Stream csv, CsvLimits? limits = null) =>
        ReadSites(csv, CsvSchema.EmergencyEvacuationSites, ShelterSiteKind.EmergencySite, limits);

    public static CsvReadResult<ShelterSite> ReadDesignatedShelters(Stream csv, CsvLimits? limits = null) =>
        ReadSites(csv, CsvSchema.DesignatedShelters, ShelterSiteKind.DesignatedShelter, limits);

    // The hazard columns are those whose GSI header names a disaster type (洪水, 崖崩れ、土石流及び地滑り, …).
    private static readonly (string Column, DisasterType Type)[] HazardColumns = CsvSchema.EmergencyEvacuationSites.Columns
        .Where(c => c.Datatype == "boolean" && Evacuation.ParseDisasterType(c.Title) is not null)
        .Select(c => (c.Name, Evacuation.ParseDisasterType(c.Title)!.Value)).ToArray();

    private static CsvReadResult<ShelterSite> ReadSites(Stream csv, CsvSchema schema, ShelterSiteKind kind, CsvLimits? limits)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        return Read(csv, schema, limits, (row, report) =>
        {
            var id = row.Text("commonId")!;
            var municipality = CommonIdMunicipality(schema, row, "commonId", report);
            Unique(schema, ids, id, row, "commonId", report);

            var hazards = kind == ShelterSiteKind.EmergencySite
                ? HazardColumns.Where(h => row.Flag(h.Column)).Select(h => h.Type).ToHashSet()
                : [];
            if (kind == ShelterSiteKind.EmergencySite && hazards.Count == 0)
                report(At(schema, "flood", row.Line, "csv.gsi.no-hazard",
                    $"{row.Line} 行目: 対象とする災害の列（洪水〜火山現象）に「1」が1つもありません。指定緊急避難場所は災害の種類ごとに指定されます。",
                    $"Line {row.Line}: no hazard column (洪水 to 火山現象) holds 1; an emergency evacuation site is designated for at least one hazard."));

            return municipality is null ? null : new ShelterSite(kind, (int)row.WholeNumber("no")!.Value, id, municipality.Value,
                row.Text("name")!, row.Text("address")!, hazards,
                row.Flag(kind == ShelterSiteKind.EmergencySite ? "sameAddressAsShelter" : "sameAddressAsSite"),
                row.Number("latitude")!.Value, row.Number("longitude")!.Value, row.Text("note"),
                kind == ShelterSiteKind.DesignatedShelter ? row.Text("otherMatters") : null,
                kind == ShelterSiteKind.DesignatedShelter ? row.Text("acceptedPeople") : null);
        });
    }

    public static CsvReadResult<ShelterStatusRow> ReadShelterStatus(Stream csv, CsvLimits? limits = null)
    {
        var schema = CsvSchema.ShelterStatus;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        return Read(csv, schema, limits, (row, report) =>
        {
            var id = row.Text("shelterId")!;
            // A municipality's own ids are free-form; one shaped like a 共通ID must name a real prefecture.
            if (CsvSchema.EmergencyEvacuationSites.Columns.First(c => c.Name == "commonId").Pattern!.IsMatch(id))
                CommonIdMunicipality(schema, row, "shelterId", report);
            Unique(schema, ids, id, row, "shelterId", report);
            var status = Vocabulary(schema, row, "status", StatusWords, report);
            return status is null ? null : new ShelterStatusRow(id, status.Value, (int)row.WholeNumber("peoplePresent")!.Value,
                (int?)row.WholeNumber("capacity"), row.Time("time")!.Value);
        });
    }

    public static CsvReadResult<EvacuationDistrictRow> ReadEvacuationDistricts(Stream csv, CsvLimits? limits = null)
    {
        var schema = CsvSchema.EvacuationDistricts;
        return Read(csv, schema, limits, (row, report) =>
        {
            var levelText = row.Text("level");
            EvacuationLevel? level = null;
            if (Evacuation.IsAbolished(levelText))
                report(At(schema, "level", row.Line, Evacuation.AbolishedProblem.Code,
                    $"{row.Line} 行目: {Evacuation.AbolishedProblem.Ja}", $"Line {row.Line}: {Evacuation.AbolishedProblem.En}"));
            else if ((level = Evacuation.ParseLevel(levelText)) is null)
                report(NotInVocabulary(schema, row, "level", "3, 4, 5, 高齢者等避難, 避難指示, 緊急安全確保"));

            var type = Evacuation.ParseDisasterType(row.Text("disasterType"));
            if (type is null)
                report(NotInVocabulary(schema, row, "disasterType", "洪水, 土砂災害, 高潮, 地震, 津波, 大規模な火事, 内水氾濫, 火山現象"));

            if (level is { } l && type is { } t && !Evacuation.LevelsFor(t).Contains(l))
                report(At(schema, "level", row.Line, "evacuation.level.not-for-hazard",
                    $"{row.Line} 行目: {t.Japanese()}では「{l.Japanese()}」（レベル{(int)l}）は発令しません。使えるのは {string.Join("、", Evacuation.LevelsFor(t).Order().Select(x => $"レベル{(int)x} {x.Japanese()}"))} です。",
                    $"Line {row.Line}: {l.English()} (level {(int)l}) is not issued for {t}; use {string.Join(", ", Evacuation.LevelsFor(t).Order().Select(x => $"level {(int)x} {x.English()}"))}."));

            var code = AreaCode(schema, row, "areaCode", report);
            var issued = row.Time("issued")!.Value;
            var lifted = row.Time("lifted");
            if (lifted < issued)
                report(TimeOrder(schema, row, "lifted", "解除日時", "発令日時", "lifted", "issued"));

            return level is null || type is null ? null : new EvacuationDistrictRow(row.Text("district")!, code, level.Value, type.Value,
                (int)row.WholeNumber("households")!.Value, (int)row.WholeNumber("persons")!.Value, issued, lifted);
        });
    }

    public static CsvReadResult<LifelineStatusRow> ReadLifelineStatus(Stream csv, CsvLimits? limits = null)
    {
        var schema = CsvSchema.LifelineStatus;
        return Read(csv, schema, limits, (row, report) =>
        {
            var kind = Vocabulary(schema, row, "kind", KindWords, report);
            var state = Vocabulary(schema, row, "state", StateWords, report);
            var area = row.Text("area")!;
            var code = Fold(area).All(char.IsAsciiDigit) ? AreaCode(schema, row, "area", report) : null;
            var time = row.Time("time")!.Value;
            var restoration = row.Time("estimatedRestoration");
            if (restoration < time)
                report(TimeOrder(schema, row, "estimatedRestoration", "復旧見込み", "更新日時", "estimated restoration", "time"));

            return kind is null || state is null ? null : new LifelineStatusRow(kind.Value, state.Value,
                (int?)row.WholeNumber("householdsAffected"), area, code, restoration, time);
        });
    }

    public static CsvReadResult<LifeSupportPlaceRow> ReadLifeSupportPlaces(Stream csv, CsvLimits? limits = null)
    {
        var schema = CsvSchema.LifeSupportPlaces;
        return Read(csv, schema, limits, (row, report) =>
        {
            var kind = Vocabulary(schema, row, "kind", PlaceKindWords, report);
            var state = row.Text("state") is null ? PlaceState.Open : Vocabulary(schema, row, "state", PlaceStateWords, report);
            var (lat, lng) = (row.Number("latitude"), row.Number("longitude"));
            if ((lat is null) != (lng is null))
                report(At(schema, lat is null ? "latitude" : "longitude", row.Line, "csv.place.half-position",
                    $"{row.Line} 行目: 緯度と経度は両方を入れるか、両方を空にしてください（住所から位置を求めます）。",
                    $"Line {row.Line}: give both latitude and longitude, or neither (the address then places it)."));
            if (lat is null && lng is null && row.Text("address") is null)
                report(At(schema, "address", row.Line, "csv.place.nowhere",
                    $"{row.Line} 行目: 住所か緯度・経度のどちらかが必要です。場所の分からない拠点は地図に載せられません。",
                    $"Line {row.Line}: give an address or latitude and longitude; a place with neither cannot go on a map."));
            return kind is null || state is null ? null
                : new LifeSupportPlaceRow(row.Text("name")!, kind.Value, row.Text("address"), lat, lng, row.Text("hours"), state.Value);
        });
    }

    private static readonly Dictionary<string, PlaceKind> PlaceKindWords = new()
    {
        ["給水所"] = PlaceKind.WaterPoint, ["給水"] = PlaceKind.WaterPoint, ["water-point"] = PlaceKind.WaterPoint,
        ["入浴支援"] = PlaceKind.Bath, ["入浴"] = PlaceKind.Bath, ["風呂"] = PlaceKind.Bath, ["bath"] = PlaceKind.Bath,
        ["無料wi-fi"] = PlaceKind.Wifi, ["wi-fi"] = PlaceKind.Wifi, ["wifi"] = PlaceKind.Wifi,
        ["充電"] = PlaceKind.Charging, ["charging"] = PlaceKind.Charging,
        ["物資配布"] = PlaceKind.ReliefSupplies, ["物資"] = PlaceKind.ReliefSupplies, ["relief-supplies"] = PlaceKind.ReliefSupplies,
        ["窓口"] = PlaceKind.Office, ["相談窓口"] = PlaceKind.Office, ["office"] = PlaceKind.Office,
        ["その他"] = PlaceKind.Other, ["other"] = PlaceKind.Other,
    };

    private static readonly Dictionary<string, PlaceState> PlaceStateWords = new()
    {
        ["開設"] = PlaceState.Open, ["開設中"] = PlaceState.Open, ["open"] = PlaceState.Open,
        ["準備中"] = PlaceState.Preparing, ["preparing"] = PlaceState.Preparing,
        ["終了"] = PlaceState.Closed, ["閉鎖"] = PlaceState.Closed, ["closed"] = PlaceState.Closed,
    };

    private static readonly Dictionary<string, ShelterStatus> StatusWords = new()
    {
        ["開設"] = ShelterStatus.Open, ["開設中"] = ShelterStatus.Open, ["open"] = ShelterStatus.Open,
        ["閉鎖"] = ShelterStatus.Closed, ["closed"] = ShelterStatus.Closed,
        ["満員"] = ShelterStatus.Full, ["full"] = ShelterStatus.Full,
    };

    private static readonly Dictionary<string, LifelineKind> KindWords = new()
    {
        ["電気"] = LifelineKind.Power, ["停電"] = LifelineKind.Power, ["power"] = LifelineKind.Power,
        ["水道"] = LifelineKind.Water, ["断水"] = LifelineKind.Water, ["water"] = LifelineKind.Water,
        ["ガス"] = LifelineKind.Gas, ["gas"] = LifelineKind.Gas,
        ["通信"] = LifelineKind.Telecom, ["telecom"] = LifelineKind.Telecom,
        ["鉄道"] = LifelineKind.Rail, ["rail"] = LifelineKind.Rail,
        ["道路"] = LifelineKind.Road, ["road"] = LifelineKind.Road,
        ["バス"] = LifelineKind.Bus, ["bus"] = LifelineKind.Bus,
        ["船舶"] = LifelineKind.Ship, ["ship"] = LifelineKind.Ship,
        ["航空"] = LifelineKind.Air, ["air"] = LifelineKind.Air,
    };

    private static readonly Dictionary<string, LifelineState> StateWords = new()
    {
        ["停止"] = LifelineState.Outage, ["outage"] = LifelineState.Outage,
        ["復旧"] = LifelineState.Restored, ["restored"] = LifelineState.Restored,
        ["一部"] = LifelineState.Partial, ["partial"] = LifelineState.Partial,
    };

    private static CsvReadResult<T> Read<T>(Stream csv, CsvSchema schema, CsvLimits? limits, Func<CsvTableRow, Action<Problem>, T?> map)
        where T : class
    {
        limits ??= CsvLimits.Default;
        var table = CsvTableReader.Read(csv, schema, limits);
        var problems = table.Problems.ToList();
        var rows = new List<CsvRow<T>>();
        foreach (var row in table.Rows)
        {
            var before = problems.Count;
            var value = map(row, problems.Add);
            if (problems.Count == before && value is not null) rows.Add(new CsvRow<T>(row.Line, value));
            if (problems.Count > limits.MaxProblems)
                return new CsvReadResult<T>([], [.. problems.OrderBy(p => p.Line ?? 0).Take(limits.MaxProblems), limits.TooManyProblems(row.Line)], table.Encoding, Refused: true);
        }
        return new CsvReadResult<T>(rows, problems.OrderBy(p => p.Line ?? 0).ToList(), table.Encoding, table.Refused);
    }

    private static LocalGovernmentCode? CommonIdMunicipality(CsvSchema schema, CsvTableRow row, string column, Action<Problem> report)
    {
        var id = row.Text(column)!;
        if (LocalGovernmentCode.TryParse(id[1..6], out var code, out _) && !code.IsPrefecture) return code;
        report(At(schema, column, row.Line, "csv.value.unknown-municipality",
            $"{row.Line} 行目: 共通ID「{id}」の2〜6文字目 {id[1..6]} は市区町村コードではありません（都道府県は01〜47）。",
            $"Line {row.Line}: characters 2–6 of 共通ID '{id}', {id[1..6]}, are not a municipality code (prefectures run 01–47)."));
        return null;
    }

    private static void Unique(CsvSchema schema, Dictionary<string, int> seen, string id, CsvTableRow row, string column, Action<Problem> report)
    {
        if (seen.TryAdd(id, row.Line)) return;
        report(At(schema, column, row.Line, "csv.value.duplicate-id",
            $"{row.Line} 行目: 「{id}」は {seen[id]} 行目にもあります。1つのファイルに同じIDは1回だけにしてください。",
            $"Line {row.Line}: '{id}' is also on line {seen[id]}; each id appears once in a file."));
    }

    private static LocalGovernmentCode? AreaCode(CsvSchema schema, CsvTableRow row, string column, Action<Problem> report)
    {
        if (row.Text(column) is not { } text) return null;
        if (LocalGovernmentCode.TryParse(text, out var code, out var error)) return code;
        report(At(schema, column, row.Line, error.Code, $"{row.Line} 行目: {error.Ja}", $"Line {row.Line}: {error.En}"));
        return null;
    }

    private static TValue? Vocabulary<TValue>(CsvSchema schema, CsvTableRow row, string column, Dictionary<string, TValue> words, Action<Problem> report)
        where TValue : struct
    {
        if (words.TryGetValue(Fold(row.Text(column)!).ToLowerInvariant(), out var value)) return value;
        report(NotInVocabulary(schema, row, column, string.Join(", ", words.Keys)));
        return null;
    }

    private static Problem NotInVocabulary(CsvSchema schema, CsvTableRow row, string column, string allowed)
    {
        var title = schema.Columns.First(c => c.Name == column).Title;
        return At(schema, column, row.Line, "csv.value.not-in-vocabulary",
            $"{row.Line} 行目「{title}」の「{row.Text(column)}」は使えません。使える値: {allowed}",
            $"Line {row.Line}, '{title}': '{row.Text(column)}' is not allowed. Allowed: {allowed}");
    }

    private static Problem TimeOrder(CsvSchema schema, CsvTableRow row, string column, string laterJa, string earlierJa, string later, string earlier) =>
        At(schema, column, row.Line, "csv.time.order",
            $"{row.Line} 行目: 「{laterJa}」が「{earlierJa}」より前になっています。日時を確認してください。",
            $"Line {row.Line}: the {later} time is before the {earlier} time; check the dates.");

    /// <summary>A problem in a column: the file's columns are in the schema's order, so its position is the schema's.</summary>
    private static Problem At(CsvSchema schema, string column, int line, string code, string ja, string en)
    {
        var position = schema.Columns.Select((c, i) => (c, i)).First(x => x.c.Name == column).i + 1;
        return new Problem(code, column, line, position, ja, en);
    }

    private static string Fold(string text) => text.Normalize(NormalizationForm.FormKC).Trim();
}
