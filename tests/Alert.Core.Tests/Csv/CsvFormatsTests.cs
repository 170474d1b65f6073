using System.Text;
using Alert.Core.Csv;
using Alert.Core.Notices;

namespace Alert.Core.Tests.Csv;

public class CsvFormatsTests
{
    private static readonly string Valid = Path.Combine(AppContext.BaseDirectory, "Csv", "corpus", "valid");
    private static readonly string Invalid = Path.Combine(AppContext.BaseDirectory, "Csv", "corpus", "invalid");

    private static CsvReadResult<T> Read<T>(string path, Func<Stream, CsvLimits?, CsvReadResult<T>> read)
    {
        using var file = File.OpenRead(path);
        return read(file, null);
    }

    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void The_schema_headers_are_GSIs_exactly()
    {
        string.Join(",", CsvSchema.EmergencyEvacuationSites.Columns.Select(c => c.Title))
            .ShouldBe("NO,共通ID,施設・場所名,住所,洪水,崖崩れ、土石流及び地滑り,高潮,地震,津波,大規模な火事,内水氾濫,火山現象,指定避難所との住所同一,緯度,経度,備考");
        string.Join(",", CsvSchema.DesignatedShelters.Columns.Select(c => c.Title))
            .ShouldBe("NO,共通ID,施設・場所名,住所,指定緊急避難場所との住所同一,その他市町村長が必要と認める事項,受入対象者,緯度,経度,備考");
    }

    [Fact]
    public void A_Shift_JIS_GSI_list_reads_into_sites_with_every_digit_of_the_coordinates()
    {
        var result = Read(Path.Combine(Valid, "sites.kumamoto.sjis.csv"), CsvFormats.ReadEmergencySites);

        result.Encoding.ShouldBe("Shift_JIS");
        result.Rows.Count.ShouldBe(5);
        var first = result.Rows[0];
        first.Line.ShouldBe(2);
        first.Value.CommonId.ShouldBe("E4310000000101");
        first.Value.Municipality.Value.ShouldBe("43100");
        first.Value.Name.ShouldBe("熊本市立碩台小学校");
        first.Value.Hazards.ShouldBe([DisasterType.Flood, DisasterType.Earthquake, DisasterType.LargeFire, DisasterType.InlandFlood], ignoreOrder: true);
        first.Value.SameAddressInOtherList.ShouldBeTrue();
        first.Value.Latitude.ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("32.8137450");
        result.Rows[2].Value.Latitude.ShouldBe(32.79188013m);
        result.Rows[2].Value.Longitude.ShouldBe(130.73471206m);
        result.Rows[2].Value.Note.ShouldBe("芝生広場、駐車場あり");
        result.Rows[1].Value.Hazards.ShouldBe([DisasterType.Earthquake, DisasterType.LargeFire], ignoreOrder: true);
        result.Rows[1].Value.SameAddressInOtherList.ShouldBeFalse();
    }

    [Fact]
    public void A_quoted_line_break_stays_in_the_value_and_the_next_row_keeps_its_own_line()
    {
        var sites = Read(Path.Combine(Valid, "sites.kumamoto.utf8-bom.csv"), CsvFormats.ReadEmergencySites);

        sites.Encoding.ShouldBe("UTF-8 (BOM)");
        var last = sites.Rows[^1];
        last.Line.ShouldBe(6);
        last.Value.Note.ShouldBe("体育館は耐震改修済み\r\n校庭は車中泊不可");

        var shelters = Read(Path.Combine(Valid, "shelters.kumamoto.sjis.csv"), CsvFormats.ReadDesignatedShelters);
        shelters.Rows.Select(r => r.Line).ShouldBe([2, 3, 5]);
        shelters.Rows[1].Value.AcceptedPeople.ShouldBe("要配慮者,乳幼児のいる世帯");
        shelters.Rows[1].Value.Hazards.ShouldBeEmpty();
    }

    [Fact]
    public void The_same_list_in_Shift_JIS_and_UTF_8_reads_the_same()
    {
        var sjis = Read(Path.Combine(Valid, "sites.kumamoto.sjis.csv"), CsvFormats.ReadEmergencySites);
        var utf8 = Read(Path.Combine(Valid, "sites.kumamoto.utf8.csv"), CsvFormats.ReadEmergencySites);

        utf8.Encoding.ShouldBe("UTF-8");
        utf8.Rows.Select(r => (r.Value.Name, r.Value.Address, r.Value.Latitude, r.Value.Longitude))
            .ShouldBe(sjis.Rows.Select(r => (r.Value.Name, r.Value.Address, r.Value.Latitude, r.Value.Longitude)));
    }

    [Fact]
    public void Times_without_an_offset_are_Japan_time()
    {
        var result = Read(Path.Combine(Valid, "status.kumamoto.utf8.csv"), CsvFormats.ReadShelterStatus);

        result.Rows.Select(r => r.Value.Time).ShouldBe([
            new DateTimeOffset(2026, 7, 1, 3, 0, 0, TimeSpan.FromHours(9)),
            new DateTimeOffset(2026, 7, 1, 3, 15, 0, TimeSpan.FromHours(9)),
            new DateTimeOffset(2026, 7, 1, 4, 0, 0, TimeSpan.FromHours(9))]);
        result.Rows.Select(r => r.Value.Status).ShouldBe([ShelterStatus.Open, ShelterStatus.Full, ShelterStatus.Closed]);
        result.Rows[2].Value.Capacity.ShouldBeNull();
        CsvTableReader.ParseTime("2026-07-01T18:00:00Z").ShouldBe(new DateTimeOffset(2026, 7, 1, 18, 0, 0, TimeSpan.Zero));
        CsvTableReader.ParseTime("2026-02-30 03:00").ShouldBeNull();
        CsvTableReader.ParseTime("2026-07-01T03:00:00+14:30").ShouldBeNull();
    }

    [Fact]
    public void Evacuation_districts_read_levels_hazards_and_codes()
    {
        var result = Read(Path.Combine(Valid, "districts.kumamoto.sjis.csv"), CsvFormats.ReadEvacuationDistricts);

        result.Rows.Select(r => r.Value.Level).ShouldBe([EvacuationLevel.EvacuationOrder, EvacuationLevel.EvacuationOrder, EvacuationLevel.ElderlyEvacuate, EvacuationLevel.EmergencySafety]);
        result.Rows[0].Value.AreaCode!.Value.Value.ShouldBe("43101");
        result.Rows[2].Value.AreaCode.ShouldBeNull();
        result.Rows[1].Value.DisasterType.ShouldBe(DisasterType.Landslide);
        result.Rows[1].Value.Lifted.ShouldBe(new DateTimeOffset(2026, 7, 1, 18, 30, 0, TimeSpan.FromHours(9)));
    }

    [Fact]
    public void Lifeline_rows_take_Japanese_or_English_words_and_a_code_or_a_name()
    {
        var result = Read(Path.Combine(Valid, "lifeline.kumamoto.utf8-bom.csv"), CsvFormats.ReadLifelineStatus);

        result.Rows.Select(r => (r.Value.Kind, r.Value.State)).ShouldBe([
            (LifelineKind.Power, LifelineState.Outage), (LifelineKind.Water, LifelineState.Partial), (LifelineKind.Rail, LifelineState.Restored)]);
        result.Rows[0].Value.AreaCode!.Value.Value.ShouldBe("43101");
        result.Rows[1].Value.AreaCode.ShouldBeNull();
        result.Rows[1].Value.Area.ShouldBe("熊本市北区");
        result.Rows[2].Value.HouseholdsAffected.ShouldBeNull();
    }

    [Fact]
    public void Bad_rows_are_all_reported_and_good_rows_are_kept_for_a_caller_that_accepts_part_of_a_file()
    {
        var result = Read(Path.Combine(Invalid, "districts.every-bad-row.csv"), CsvFormats.ReadEvacuationDistricts);

        result.IsValid.ShouldBeFalse();
        result.Problems.Select(p => p.Line).ShouldBe([2, 4, 5]);
        result.Accepted().ShouldBeEmpty();
        result.Accepted(partial: true).ShouldHaveSingleItem().Line.ShouldBe(3);
    }

    [Fact]
    public void A_problem_names_its_column_line_and_position_in_both_languages()
    {
        var problem = Read(Path.Combine(Invalid, "shelters.longitude-out-of-range.csv"), CsvFormats.ReadDesignatedShelters).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("csv.value.out-of-range");
        problem.Path.ShouldBe("longitude");
        problem.Line.ShouldBe(3);
        problem.Column.ShouldBe(9);
        problem.Ja.ShouldContain("経度");
        problem.Ja.ShouldContain("122〜154");
        problem.En.ShouldContain("out of range");
    }

    [Fact]
    public void The_abolished_level_is_refused_with_the_2021_explanation()
    {
        var problem = Read(Path.Combine(Invalid, "districts.abolished-level.sjis.csv"), CsvFormats.ReadEvacuationDistricts).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("evacuation.abolished-level");
        problem.Path.ShouldBe("level");
        problem.Ja.ShouldContain("2021年5月20日");
    }

    [Fact]
    public void Header_aliases_and_full_width_letters_are_accepted()
    {
        var csv = "番号,共通ＩＤ,名称,所在地,洪水,土砂災害,高潮,地震,津波,大規模な火事,内水氾濫,火山現象,指定避難所との住所同一,緯度,経度,備考\n"
                + "1,Ｅ4310000000101,花畑広場,熊本県熊本市中央区花畑町,,,,1,,,,,,32.802100,130.706900,\n";

        var result = CsvFormats.ReadEmergencySites(Utf8(csv));

        result.Problems.ShouldBeEmpty();
        result.Rows.ShouldHaveSingleItem().Value.CommonId.ShouldBe("E4310000000101");
    }

    [Fact]
    public void The_measurement_file_validates()
    {
        var file = CsvBench.EmergencySitesFile(50);

        var result = CsvFormats.ReadEmergencySites(new MemoryStream(file));

        result.Problems.ShouldBeEmpty();
        result.Encoding.ShouldBe("Shift_JIS");
        result.Rows.Count.ShouldBe(50);
    }
}
