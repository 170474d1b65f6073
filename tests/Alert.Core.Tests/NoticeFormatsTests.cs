using Alert.Core.Cap;
using Alert.Core.Notices;

namespace Alert.Core.Tests;

/// <summary>The same notice in every format: nothing is lost on the way.</summary>
public class NoticeFormatsTests
{
    internal static Notice Read(string name) =>
        NoticeXmlReader.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", name))).Notice!;

    public static TheoryData<string> Examples => NoticeXmlReaderTests.Examples;

    /// <summary>What an update or cancel of an example replaces: its first revision.</summary>
    internal static CapReference? Previous(Notice notice) => notice.Envelope.Kind == NoticeKind.Issue ? null
        : new CapReference(NoticeCap.Sender(notice.Envelope.IssuerCode), $"{notice.Envelope.DocumentId}.r1", "2026-07-01T03:00:00+09:00");

    [Theory]
    [MemberData(nameof(Examples))]
    public void Native_xml_to_CAP_and_back_keeps_every_field(string name)
    {
        var notice = Read(name);

        var cap = CapReader.Read(CapWriter.Write(NoticeCap.ToCap(notice, Previous(notice))));

        cap.Problems.ShouldBeEmpty(); // valid CAP 1.2 and valid in the hub's profile
        NoticeJson.Write(NoticeCap.FromCap(cap.Alert!).ShouldNotBeNull()).ShouldBe(NoticeJson.Write(notice));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Json_reads_back_every_field(string name)
    {
        var notice = Read(name);
        var json = NoticeJson.Write(notice);

        var read = NoticeJson.Read(json);

        read.Problems.ShouldBeEmpty();
        NoticeJson.Write(read.Notice!).ShouldBe(json);
    }

    [Fact]
    public void The_CAP_of_an_evacuation_order_speaks_to_every_receiver()
    {
        var infos = NoticeCap.ToCap(Read("evacuation.xml")).Infos;
        infos.Select(i => i.Language).ShouldBe(["ja-JP", "en-US"]);
        infos[1].Headline.ShouldBe("[Level 5] 熊本市: Emergency safety measures (flood, landslide)");
        infos[1].Instruction.ShouldBe("Danger to life: secure your safety immediately!");
        var info = infos[0];

        info.Event.ShouldBe("緊急安全確保"); // the highest level in force
        info.Headline.ShouldBe("【警戒レベル5】熊本市 緊急安全確保（洪水・土砂災害）");
        info.Urgency.ShouldBe("Immediate");
        info.Severity.ShouldBe("Extreme");
        info.Parameter("EvacuationLevel").ShouldBe("5");
        info.Description!.ShouldContain("出水一丁目: 警戒レベル4（洪水） 412世帯 903人");
        info.Areas.SelectMany(a => a.Geocodes).Select(g => g.Value).ShouldBe(["431010", "431010"]); // the envelope's area and district 2's code
        info.Areas.SelectMany(a => a.Polygons).ShouldHaveSingleItem().ShouldStartWith("32.7901,130.7202");
    }

    [Fact]
    public void A_cancel_becomes_a_CAP_cancel_with_its_reason()
    {
        var cap = NoticeCap.ToCap(Read("cancel.xml"), new CapReference("jisx0402:431001", "431001-2026-0042.r1", "2026-07-01T03:00:00+09:00"));

        cap.MsgType.ShouldBe("Cancel");
        cap.Identifier.ShouldBe("431001-2026-0042.r2");
        cap.Sender.ShouldBe("jisx0402:431001");
        cap.Note.ShouldBe("取消 Cancel: 対象地区を誤って発表したため取り消します。");
        cap.References.ShouldHaveSingleItem().Identifier.ShouldBe("431001-2026-0042.r1");
        CapReader.Read(CapWriter.Write(cap)).Problems.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"envelope": 1}""", "notice.json")]
    [InlineData("""{"envelope": {"documentId": "x"}, "extra": true}""", "notice.json")]
    [InlineData("not json", "notice.json")]
    public void Json_that_is_not_a_notice_is_refused_with_where(string json, string code)
    {
        var problem = NoticeJson.Read(json).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe(code);
        problem.Path.ShouldNotBeNullOrEmpty();
        problem.Line.ShouldNotBeNull();
    }

    [Fact]
    public void Json_rules_point_at_json_paths()
    {
        var json = NoticeJson.Write(Read("evacuation.xml")).Replace("\"level\":\"4\"", "\"level\":\"避難勧告\"", StringComparison.Ordinal);

        var problem = NoticeJson.Read(json).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("evacuation.abolished-level");
        problem.Path.ShouldBe("$.body.districts[0].level");
    }
}

public class NoticeXmlWriterTests
{
    public static TheoryData<string> Examples => NoticeXmlReaderTests.Examples;

    [Theory]
    [MemberData(nameof(Examples))]
    public void Json_to_native_xml_keeps_every_field(string name)
    {
        var json = NoticeJson.Write(NoticeXmlReader.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", name))).Notice!);

        var xml = NoticeXmlWriter.Write(NoticeJson.Read(json).Notice!);
        var read = NoticeXmlReader.Read(xml);

        read.Problems.ShouldBeEmpty(); // what the hub writes passes its own schema and rules
        NoticeJson.Write(read.Notice!).ShouldBe(json);
    }
}

public class NoticeJsonSchemaTests
{
    [Fact]
    public void The_published_json_schema_is_the_one_the_reader_follows() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-1.schema.json")).ShouldBe(NoticeJson.Schema(),
            "regenerate it: dotnet run --project src/Alert.Cli -- json-schema > schemas/notice/notice-1.schema.json");

    [Fact]
    public void A_missing_required_field_is_named()
    {
        var problem = NoticeJson.Read("""{"envelope": {"revision": 1}}""").Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("notice.json");
        problem.En.ShouldContain("documentId");
    }
}

public class CsvNoticesTests
{
    private static readonly Envelope Envelope = new("csv-1", 1, "431001", "熊本市", NoticeMode.Actual, NoticeKind.Issue, null,
        new DateTimeOffset(2026, 7, 1, 3, 0, 0, TimeSpan.FromHours(9)), null, null, [new AreaRef("431001", "熊本市")]);

    [Fact]
    public void A_register_is_not_a_notice() =>
        CsvNotices.ToNotice("gsi-emergency-sites", new MemoryStream(), Envelope, false).Problems.ShouldHaveSingleItem().Code.ShouldBe("csv.sheet.not-a-notice");

    [Fact]
    public void A_sheet_with_no_good_row_makes_no_notice()
    {
        var csv = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("避難所ID,状況,避難者数,収容人数,更新日時\nE4310000000101,不明,1,2,2026-07-01T03:00:00+09:00\n"));

        var (notice, problems, _) = CsvNotices.ToNotice("shelter-status", csv, Envelope, partial: true);

        notice.ShouldBeNull();
        problems.Select(p => p.Code).ShouldContain("csv.no-rows");
    }

    private static readonly Envelope Cancel = Envelope with { Revision = 2, Kind = NoticeKind.Cancel, Reason = "誤って発表したため" };

    private static MemoryStream Csv(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    private const string DistrictsHeader = "地区名,地域コード,警戒レベル,災害種別,世帯数,人数,発令日時,解除日時\n";

    // A cancel withdraws the whole document and carries no body, so its sheet has no rows: the header alone, or nothing.
    [Theory]
    [InlineData(DistrictsHeader)]
    [InlineData("")]
    public void A_cancel_is_a_sheet_without_rows(string csv)
    {
        var (notice, problems, _) = CsvNotices.ToNotice("evacuation-districts", Csv(csv), Cancel, partial: false);

        problems.ShouldBeEmpty();
        notice.ShouldNotBeNull().Body.ShouldBeNull();
        notice.Envelope.ShouldBe(Cancel);
    }

    [Fact]
    public void A_cancel_with_rows_is_refused_at_the_first_row()
    {
        var csv = DistrictsHeader + "中央区黒髪一丁目,431010,4,洪水,1520,3104,2026-07-01 03:00,\n中央区黒髪二丁目,431010,4,洪水,10,20,2026-07-01 03:00,\n";

        var (notice, problems, _) = CsvNotices.ToNotice("evacuation-districts", Csv(csv), Cancel, partial: false);

        notice.ShouldBeNull();
        var problem = problems.ShouldHaveSingleItem();
        problem.Code.ShouldBe("notice.body.on-cancel");
        problem.Line.ShouldBe(2);
    }

    [Fact]
    public void A_cancel_still_needs_the_sheets_own_header()
    {
        var (notice, problems, _) = CsvNotices.ToNotice("evacuation-districts", Csv("避難所ID,状況,避難者数,収容人数,更新日時\n"), Cancel, partial: false);

        notice.ShouldBeNull();
        problems.ShouldNotBeEmpty();
        problems.ShouldAllBe(p => p.Code.StartsWith("csv.header.", StringComparison.Ordinal));
    }
}
