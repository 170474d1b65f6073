using Alert.Core.Codes;

namespace Alert.Geo.Tests;

public sealed class TownFixture
{
    public Gazetteer Gazetteer { get; } = Gazetteer.LoadBundled();
    public TownIndex Towns { get; } = TownIndex.LoadBundled();
    public Addresses Addresses { get; }

    public TownFixture() => Addresses = new Addresses(Gazetteer, Towns);
}

public class TownIndexTests(TownFixture fixture) : IClassFixture<TownFixture>
{
    private TownMatch Find(string code, string name) =>
        fixture.Towns.Find(fixture.Gazetteer.Find(LocalGovernmentCode.Parse(code)).ShouldNotBeNull(), name);

    [Fact]
    public void Loads_the_towns_of_all_Japan() => fixture.Towns.Count.ShouldBeGreaterThan(150_000);

    [Theory]
    [InlineData("出水一丁目")]
    [InlineData("出水1丁目")]
    [InlineData("出水１丁目")]
    [InlineData(" 出水 1 丁目 ")]
    [InlineData("中央区出水一丁目")]
    public void Kanji_arabic_and_full_width_numbers_name_the_same_town(string name)
    {
        var town = Find("431001", name).Towns.ShouldHaveSingleItem();

        town.Name.ShouldBe("出水一丁目");
        town.MunicipalityCode.ShouldBe("43101");
    }

    [Fact]
    public void A_town_split_by_a_ward_boundary_is_found_in_both_wards() =>
        Find("431001", "出水4丁目").Towns.Select(t => t.MunicipalityCode).ShouldBe(["43101", "43102"], ignoreOrder: true);

    [Fact]
    public void A_ward_in_front_narrows_the_search() =>
        Find("431001", "東区出水四丁目").Towns.ShouldHaveSingleItem().MunicipalityCode.ShouldBe("43102");

    [Theory]
    [InlineData("大字安永")]
    [InlineData("安永")]
    [InlineData("字安永")]
    public void Oaza_prefixes_do_not_matter(string name) =>
        Find("434434", name).Towns.ShouldHaveSingleItem().Name.ShouldBe("大字安永");

    [Fact]
    public void Ga_and_ke_are_the_same() =>
        Find("24214", "大安町中央ケ丘1丁目").Towns.ShouldHaveSingleItem().Name.ShouldBe("大安町中央ヶ丘一丁目");

    [Fact]
    public void An_unknown_name_is_not_guessed_but_the_nearest_are_offered()
    {
        var match = Find("431001", "黒髪九丁目");

        match.Found.ShouldBeFalse();
        match.Candidates.ShouldContain("黒髪一丁目");
        match.Candidates.Count.ShouldBeLessThanOrEqualTo(5);
    }

    [Theory]
    [InlineData("十禅寺町", "十禅寺町")]
    [InlineData("二十三丁目", "23丁目")]
    [InlineData("十丁目", "10丁目")]
    [InlineData("十一番", "11番")]
    [InlineData("東七号北", "東7号北")] // 北海道's 号 and 線 towns
    [InlineData("梼原", "梼原")]
    [InlineData("檮原", "梼原")]
    public void Normalising(string name, string expected) => TownIndex.Normalize(name).ShouldBe(expected);
}

public class TownCellTests(TownFixture fixture) : IClassFixture<TownFixture>
{
    [Fact]
    public void Cells_tile_the_ward_and_hold_their_own_town()
    {
        var chuo = fixture.Gazetteer.Find(LocalGovernmentCode.Parse("43101"))!.Parts.Single();
        var towns = fixture.Towns.Find(fixture.Gazetteer.Find(LocalGovernmentCode.Parse("43101"))!, "出水一丁目").Towns;
        var all = Enumerable.Range(1, 8).SelectMany(n => fixture.Towns.Find(fixture.Gazetteer.Find(LocalGovernmentCode.Parse("43101"))!, $"出水{n}丁目").Towns).ToList();

        var cell = fixture.Towns.Cell(towns.Single(), fixture.Gazetteer);

        cell.Contains(new NetTopologySuite.Geometries.Point(towns[0].Lng, towns[0].Lat)).ShouldBeTrue();
        chuo.Geometry.Covers(cell).ShouldBeTrue(); // clipped to the ward
        cell.Area.ShouldBeLessThan(chuo.Geometry.Area / 20); // a town, not the ward
        foreach (var other in all.Where(t => t != towns[0]))
            cell.Intersection(fixture.Towns.Cell(other, fixture.Gazetteer)).Area.ShouldBeLessThan(1e-9); // cells do not overlap
    }

    [Fact]
    public void The_nearest_town_is_the_one_whose_cell_holds_the_point()
    {
        var chuo = fixture.Gazetteer.Find(LocalGovernmentCode.Parse("43101"))!.Parts.Single();
        var box = chuo.Geometry.EnvelopeInternal;
        var random = new Random(43101);
        var points = Enumerable.Range(0, 400).Select(_ => new NetTopologySuite.Geometries.Coordinate(
            box.MinX + random.NextDouble() * box.Width, box.MinY + random.NextDouble() * box.Height)).Where(chuo.Covers).Take(30).ToList();

        points.Count.ShouldBe(30);
        foreach (var p in points)
            fixture.Towns.Cell(fixture.Towns.Nearest(chuo, p.Y, p.X)!, fixture.Gazetteer).Covers(new NetTopologySuite.Geometries.Point(p)).ShouldBeTrue();
    }
}
