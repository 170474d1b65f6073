using Alert.Core.Codes;
using NetTopologySuite.Geometries;

namespace Alert.Geo.Tests;

public sealed class GazetteerFixture
{
    public Gazetteer Gazetteer { get; } = Gazetteer.LoadBundled();
}

public class GazetteerTests(GazetteerFixture fixture) : IClassFixture<GazetteerFixture>
{
    private readonly Gazetteer _gazetteer = fixture.Gazetteer;

    private Area Find(string code) => _gazetteer.Find(LocalGovernmentCode.Parse(code)).ShouldNotBeNull();

    [Fact]
    public void Loads_every_municipality_and_ward_of_Japan() =>
        _gazetteer.MunicipalityCount.ShouldBeInRange(1890, 1910);

    [Fact]
    public void A_designated_city_is_the_union_of_its_wards()
    {
        var kumamoto = Find("431001");

        kumamoto.Name.ShouldBe("熊本県熊本市");
        kumamoto.PartCodes.ShouldBe(["43101", "43102", "43103", "43104", "43105"]);
        kumamoto.Geometry.Contains(new Point(130.7417, 32.8031)).ShouldBeTrue(); // 熊本市役所
        foreach (var ward in kumamoto.Parts)
            kumamoto.Geometry.Contains(ward.Geometry.InteriorPoint).ShouldBeTrue(ward.Name);
        kumamoto.Geometry.Contains(Find("43443").Geometry.InteriorPoint).ShouldBeFalse(); // 益城町, its neighbour
    }

    [Fact]
    public void A_ward_is_its_own_area()
    {
        var chuo = Find("431010");

        chuo.Name.ShouldBe("熊本県熊本市中央区");
        chuo.PartCodes.ShouldBe(["43101"]);
    }

    [Theory]
    [InlineData("14130", 7)]  // 川崎市: wards 14131–14137
    [InlineData("01100", 10)] // 札幌市
    public void Other_designated_cities_are_found(string code, int wards) =>
        Find(code).Parts.Count.ShouldBe(wards);

    [Fact]
    public void Tokyo_special_wards_are_municipalities_not_a_city()
    {
        Find("131041").Name.ShouldBe("東京都新宿区");
        _gazetteer.Find(LocalGovernmentCode.Parse("13100")).ShouldBeNull();
    }

    [Fact]
    public void A_prefecture_covers_its_municipalities()
    {
        var kumamoto = Find("43");

        kumamoto.Name.ShouldBe("熊本県");
        kumamoto.PartCodes.ShouldContain("43101");
        kumamoto.PartCodes.ShouldContain("43443"); // 益城町
        kumamoto.PartCodes.ShouldAllBe(c => c.StartsWith("43"));
    }

    [Fact]
    public void Unknown_codes_are_not_guessed() =>
        _gazetteer.Find(LocalGovernmentCode.Parse("43999")).ShouldBeNull();
}
