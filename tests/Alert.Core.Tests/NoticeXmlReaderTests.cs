using Alert.Core.Notices;

namespace Alert.Core.Tests;

public class NoticeXmlReaderTests
{
    private static string Example(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", name));

    private static readonly string Evacuation = Example("evacuation.xml");

    public static TheoryData<string> Examples => new() { "evacuation.xml", "shelters.xml", "disaster-hq.xml", "damage.xml", "lifeline.xml", "general.xml", "cancel.xml" };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_is_valid(string name)
    {
        var result = NoticeXmlReader.Read(Example(name));

        result.Problems.ShouldBeEmpty();
        result.Notice.ShouldNotBeNull();
    }

    [Fact]
    public void An_evacuation_order_is_read_whole()
    {
        var notice = NoticeXmlReader.Read(Evacuation).Notice.ShouldNotBeNull();

        notice.Envelope.DocumentId.ShouldBe("431001-2026-0042");
        notice.Envelope.IssuerCode.ShouldBe("431001");
        notice.Envelope.Sent.ShouldBe(new DateTimeOffset(2026, 7, 1, 3, 0, 0, TimeSpan.FromHours(9)));
        notice.Envelope.Areas.ShouldHaveSingleItem().ShouldBe(new AreaRef("431010", "熊本市中央区"));
        notice.Category.ShouldBe(NoticeCategory.Evacuation);
        var districts = notice.Body.ShouldBeOfType<EvacuationBody>().Districts;
        districts.Count.ShouldBe(3);
        districts[0].ShouldBe(new District("出水一丁目", null, null, "4", DisasterType.Flood, 412, 903,
            new DateTimeOffset(2026, 7, 1, 2, 55, 0, TimeSpan.FromHours(9)), null));
        districts[2].Polygon.ShouldStartWith("32.7901,130.7202");
    }

    [Fact]
    public void Coordinates_keep_every_digit()
    {
        var shelter = NoticeXmlReader.Read(Example("shelters.xml")).Notice!.Body.ShouldBeOfType<SheltersBody>().Shelters.Single();

        shelter.Location.ShouldBe(new Location(32.7862305m, 130.7354818m));
        shelter.Location!.Lat.ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("32.7862305");
        shelter.Hazards.ShouldBe([DisasterType.Flood, DisasterType.Earthquake]);
    }

    public static TheoryData<string, string, string, string, int> Broken => new()
    {
        // why, find, replace, expected code, expected line
        { "abolished level", "<level>4</level>", "<level>避難勧告</level>", "evacuation.abolished-level", 18 },
        { "unknown level", "<level>4</level>", "<level>6</level>", "evacuation.level.unknown", 18 },
        { "level not for the hazard", "<level>4</level>\n      <disasterType>flood</disasterType>", "<level>3</level>\n      <disasterType>tsunami</disasterType>", "evacuation.level.not-for-hazard", 18 },
        { "district without a place", "      <name>出水一丁目</name>\n", "", "evacuation.district.no-place", 16 },
        { "lifted before issued", "<issued>2026-07-01T02:55:00+09:00</issued>\n    </district>\n    <district>\n      <areaCode>", "<issued>2026-07-01T02:55:00+09:00</issued>\n      <lifted>2026-07-01T02:00:00+09:00</lifted>\n    </district>\n    <district>\n      <areaCode>", "evacuation.times.order", 23 },
        { "bad check digit in a district", "<areaCode>431010</areaCode>", "<areaCode>431011</areaCode>", "code.check-digit", 25 },
        { "bad check digit of the issuer", "<issuer code=\"431001\">", "<issuer code=\"431002\">", "code.check-digit", 6 },
        { "bad check digit in an area", "<area code=\"431010\">", "<area code=\"431019\">", "code.check-digit", 12 },
        { "open polygon", "32.7890,130.7301 32.7901,130.7202", "32.7890,130.7301 32.7999,130.7202", "geo.polygon.invalid", 32 },
        { "polygon outside Japan", "32.7950,130.7250", "130.7950,32.7250", "geo.polygon.invalid", 32 },
        { "too few points", "32.7901,130.7202 32.7950,130.7250 32.7890,130.7301 32.7901,130.7202", "32.7901,130.7202 32.7950,130.7250 32.7901,130.7202", "notice.schema.invalid-value", 32 },
        { "issue with revision 2", "<revision>1</revision>", "<revision>2</revision>", "notice.revision.first", 5 },
        { "update as revision 1", "<kind>Issue</kind>", "<kind>Update</kind>", "notice.revision.not-first", 5 },
        { "unknown prefecture in a district", "<areaCode>431010</areaCode>", "<areaCode>99101</areaCode>", "code.prefecture", 25 },
        { "valid until before sent", "<validUntil>2026-07-02T03:00:00+09:00</validUntil>", "<validUntil>2026-06-30T03:00:00+09:00</validUntil>", "notice.times.order", 10 },
        { "time without offset", "<sent>2026-07-01T03:00:00+09:00</sent>", "<sent>2026-07-01T03:00:00</sent>", "notice.schema.invalid-value", 9 },
        { "impossible offset", "<sent>2026-07-01T03:00:00+09:00</sent>", "<sent>2026-07-01T03:00:00+15:00</sent>", "notice.time.invalid", 9 },
        { "unknown disaster type", "<disasterType>landslide</disasterType>", "<disasterType>meteor</disasterType>", "notice.schema.invalid-value", 27 },
        { "wrong order", "<mode>Actual</mode>\n    <kind>Issue</kind>", "<kind>Issue</kind>\n    <mode>Actual</mode>", "notice.schema.unexpected-element", 7 },
        { "missing sent", "    <sent>2026-07-01T03:00:00+09:00</sent>\n", "", "notice.schema.unexpected-element", 9 },
        { "negative households", "<households>412</households>", "<households>-1</households>", "notice.schema.invalid-value", 20 },
        { "huge persons", "<persons>903</persons>", "<persons>99999999999</persons>", "notice.number.too-large", 21 },
        { "wrong version", "notice:1\" version=\"1.0\"", "notice:1\" version=\"2.0\"", "notice.schema.invalid-value", 2 },
        { "cap instead", "urn:alert-hub:notice:1", "urn:oasis:names:tc:emergency:cap:1.2", "notice.root", 2 },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Each_rule_fires_at_its_line(string why, string find, string replace, string code, int line)
    {
        var broken = Evacuation.Replace(find, replace, StringComparison.Ordinal);
        broken.ShouldNotBe(Evacuation, why);

        var result = NoticeXmlReader.Read(broken);

        result.Notice.ShouldBeNull(why);
        var problem = result.Problems.ShouldHaveSingleItem(why);
        problem.Code.ShouldBe(code, why);
        problem.Line.ShouldBe(line, why);
        problem.Ja.ShouldNotBeNullOrWhiteSpace();
        problem.En.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void The_abolished_advisory_is_explained()
    {
        var problem = NoticeXmlReader.Read(Evacuation.Replace("<level>4</level>", "<level>避難勧告</level>", StringComparison.Ordinal)).Problems.Single();

        problem.Ja.ShouldContain("2021年5月20日");
        problem.En.ShouldContain("2021-05-20");
        problem.Path.ShouldBe("/notice/evacuation/district[1]/level");
    }

    [Fact]
    public void A_cancel_needs_a_reason_and_no_body()
    {
        var cancel = Example("cancel.xml");

        NoticeXmlReader.Read(cancel.Replace("    <reason>対象地区を誤って発表したため取り消します。</reason>\n", "", StringComparison.Ordinal))
            .Problems.ShouldHaveSingleItem().Code.ShouldBe("notice.reason.missing");
        NoticeXmlReader.Read(cancel.Replace("  </envelope>", "  </envelope>\n  <general><title>x</title><text>y</text></general>", StringComparison.Ordinal))
            .Problems.ShouldHaveSingleItem().Code.ShouldBe("notice.body.on-cancel");
    }

    [Fact]
    public void An_update_needs_a_body()
    {
        var update = Example("cancel.xml").Replace("<kind>Cancel</kind>", "<kind>Update</kind>", StringComparison.Ordinal);

        NoticeXmlReader.Read(update).Problems.ShouldHaveSingleItem().Code.ShouldBe("notice.body.missing");
    }

    [Fact]
    public void A_shelter_placed_outside_Japan_is_caught()
    {
        var swapped = Example("shelters.xml").Replace("lat=\"32.7862305\" lng=\"130.7354818\"", "lat=\"130.7354818\" lng=\"32.7862305\"", StringComparison.Ordinal);

        var problem = NoticeXmlReader.Read(swapped).Problems.ShouldHaveSingleItem();

        problem.Code.ShouldBe("geo.location.out-of-bounds");
        problem.Line.ShouldBe(19);
    }
}
