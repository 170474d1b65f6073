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
    public void An_area_knows_its_parts_by_code()
    {
        var (prefecture, city, ward) = (Find("43"), Find("431001"), Find("431010"));

        prefecture.HasPart("43443").ShouldBeTrue(); // 益城町
        prefecture.HasPart("43101").ShouldBeTrue(); // 中央区: a prefecture's parts are wards, not the city
        prefecture.HasPart("43100").ShouldBeFalse();
        prefecture.HasPart("01101").ShouldBeFalse();
        city.HasPart("43105").ShouldBeTrue();
        city.HasPart("43443").ShouldBeFalse();
        ward.HasPart("43101").ShouldBeTrue();
        ward.HasPart("43102").ShouldBeFalse();
        prefecture.Parts.ShouldAllBe(p => prefecture.HasPart(p.Code));
    }

    [Theory]
    [InlineData("43999")]
    [InlineData("112046")] // 浦和市, merged into さいたま市 in 2001
    [InlineData("221384")] // 浜松市浜名区, formed in 2024, after the boundaries' date
    public void Unknown_codes_are_not_guessed(string code) =>
        _gazetteer.Find(LocalGovernmentCode.Parse(code)).ShouldBeNull();

    [Fact]
    public void Codes_are_found_with_and_without_their_check_digit()
    {
        Find("431010").ShouldBeSameAs(Find("43101"));
        Find("430005").ShouldBeSameAs(Find("43"));
        LocalGovernmentCode.TryParse("431011", out _, out var error).ShouldBeFalse();
        error.Code.ShouldBe("code.check-digit");
    }
}

/// <summary>
/// Points either side of the line two neighbours share: <see cref="Gazetteer.At"/> must tell them apart, through the
/// envelope index and the indexed point-in-polygon alike. Pairs are within one prefecture: the data's prefectural
/// boundaries were simplified each on its own side and share almost no vertices, so a step across one can land in a sliver.
/// </summary>
public class GazetteerAtTests(GazetteerFixture fixture) : IClassFixture<GazetteerFixture>
{
    private const double MetresPerDegreeLat = 111_320;
    private readonly Gazetteer _gazetteer = fixture.Gazetteer;

    private Municipality Part(string code) => _gazetteer.Find(LocalGovernmentCode.Parse(code)).ShouldNotBeNull().Parts.ShouldHaveSingleItem();

    [Theory]
    [InlineData("43101", "43102")] // 熊本市中央区 | 東区: a ward boundary inside a designated city
    [InlineData("43102", "43443")] // 熊本市東区 | 益城町
    [InlineData("13104", "13113")] // 新宿区 | 渋谷区
    [InlineData("13101", "13102")] // 千代田区 | 中央区
    [InlineData("01204", "01458")] // 旭川市 | 上川郡東川町
    public void A_step_either_side_of_a_shared_boundary_finds_each_neighbour(string a, string b)
    {
        var (first, second) = (Part(a), Part(b));
        // The middle of the longest shared segment: far from the corners where a third neighbour could start.
        var shared = first.Geometry.Boundary.Intersection(second.Geometry.Boundary);
        var segment = Enumerable.Range(0, shared.NumGeometries).Select(shared.GetGeometryN).OfType<LineString>()
            .SelectMany(l => Enumerable.Range(1, l.NumPoints - 1).Select(i => new LineSegment(l.GetCoordinateN(i - 1), l.GetCoordinateN(i))))
            .MaxBy(s => Metres(s.P0, s.P1)).ShouldNotBeNull($"{first.Name} and {second.Name} share no boundary");
        Metres(segment.P0, segment.P1).ShouldBeGreaterThan(400);

        var middle = segment.MidPoint;
        var metresPerDegreeLng = MetresPerDegreeLat * Math.Cos(middle.Y * Math.PI / 180);
        var (east, north) = ((segment.P1.X - segment.P0.X) * metresPerDegreeLng, (segment.P1.Y - segment.P0.Y) * MetresPerDegreeLat);
        var length = Math.Sqrt(east * east + north * north);
        const double step = 75; // metres, at right angles to the boundary
        var (dLat, dLng) = (east / length * step / MetresPerDegreeLat, -north / length * step / metresPerDegreeLng);

        var left = _gazetteer.At(middle.Y + dLat, middle.X + dLng);
        var right = _gazetteer.At(middle.Y - dLat, middle.X - dLng);

        new[] { left?.Code, right?.Code }.ShouldBe([a, b], ignoreOrder: true);
        // On a vertex the two share, the lower code answers: every point has one answer.
        _gazetteer.At(segment.P0.Y, segment.P0.X)!.Code.ShouldBe(string.CompareOrdinal(a, b) < 0 ? a : b);
    }

    [Theory]
    [InlineData(32.8031, 130.7417, "43101")] // 熊本市役所
    [InlineData(35.6895, 139.6917, "13104")] // 東京都庁, 新宿区
    [InlineData(43.6556, 142.6381, "01458")] // 東川町
    public void A_point_finds_its_municipality(double lat, double lng, string code) =>
        _gazetteer.At(lat, lng).ShouldNotBeNull().Code.ShouldBe(code);

    [Theory]
    [InlineData(30.0, 135.0)]        // the Pacific, south of 紀伊半島
    [InlineData(32.75, 130.45)]      // 有明海, between 熊本 and 島原
    [InlineData(37.5665, 126.9780)]  // Seoul
    [InlineData(0.0, 0.0)]
    public void At_sea_and_abroad_there_is_no_municipality(double lat, double lng) =>
        _gazetteer.At(lat, lng).ShouldBeNull();

    private static double Metres(Coordinate a, Coordinate b)
    {
        var east = (b.X - a.X) * MetresPerDegreeLat * Math.Cos(a.Y * Math.PI / 180);
        var north = (b.Y - a.Y) * MetresPerDegreeLat;
        return Math.Sqrt(east * east + north * north);
    }
}
