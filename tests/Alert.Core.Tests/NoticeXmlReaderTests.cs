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

    // Every rule firing at its line: the conformance corpus, tests/Alert.Hub.Tests/Corpus, run through the hub's dry run.

    [Fact]
    public void The_abolished_advisory_is_explained()
    {
        var problem = NoticeXmlReader.Read(Evacuation.Replace("<level>4</level>", "<level>避難勧告</level>", StringComparison.Ordinal)).Problems.Single();

        problem.Ja.ShouldContain("2021年5月20日");
        problem.En.ShouldContain("2021-05-20");
        problem.Path.ShouldBe("/notice/evacuation/district[1]/level");
    }

    [Fact]
    public void A_places_state_is_read_and_an_unknown_one_is_refused_with_its_line()
    {
        var general = Example("general.xml");

        var place = ((GeneralBody)NoticeXmlReader.Read(general).Notice.ShouldNotBeNull().Body!).Places.ShouldHaveSingleItem();
        place.Kind.ShouldBe(PlaceKind.WaterPoint);
        place.State.ShouldBe(PlaceState.Open);
        ((GeneralBody)NoticeXmlReader.Read(general.Replace("<state>open</state>", "<state>preparing</state>", StringComparison.Ordinal)).Notice!.Body!)
            .Places[0].State.ShouldBe(PlaceState.Preparing);
        var wrong = NoticeXmlReader.Read(general.Replace("<state>open</state>", "<state>maybe</state>", StringComparison.Ordinal)).Problems.ShouldHaveSingleItem();
        wrong.Line.ShouldNotBeNull();
        wrong.En.ShouldContain("maybe");
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

    [Fact]
    public void A_damage_site_is_read_and_a_bad_one_caught_at_its_line()
    {
        var site = NoticeXmlReader.Read(Example("damage.xml")).Notice.ShouldNotBeNull().Body.ShouldBeOfType<DamageBody>().Reports[0].Sites.ShouldNotBeNull().ShouldHaveSingleItem();
        site.Kind.ShouldBe(DamageSiteKind.RoadBlocked);
        site.Location.ShouldBe(new Location(32.8021m, 130.7079m));
        site.Note.ShouldBe("市道が冠水して通行できない");

        var bad = Example("damage.xml").Replace("<photo>https://", "<photo>javascript://", StringComparison.Ordinal)
            .Replace("lat=\"32.8021\" lng=\"130.7079\"", "lat=\"130.7079\" lng=\"32.8021\"", StringComparison.Ordinal);

        var problems = NoticeXmlReader.Read(bad).Problems;
        problems.Select(p => p.Code).ShouldBe(["geo.location.out-of-bounds", "damage.site.photo.invalid"], ignoreOrder: true);
        problems.ShouldAllBe(p => p.Line >= 23 && p.Line <= 28);
    }
}
