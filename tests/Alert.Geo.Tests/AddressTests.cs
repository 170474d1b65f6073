using Alert.Core.Codes;

namespace Alert.Geo.Tests;

public class AddressTests(TownFixture fixture) : IClassFixture<TownFixture>
{
    private Area Area(string code) => fixture.Gazetteer.Find(LocalGovernmentCode.Parse(code)).ShouldNotBeNull();

    private AddressMatch Locate(string address, string? within = null) =>
        fixture.Addresses.Locate(address, within is null ? null : Area(within));

    private static void ShouldBeTown(AddressMatch match, string code, string town)
    {
        match.Precision.ShouldBe(AddressPrecision.Town, string.Join("、", match.Candidates));
        match.Code.ShouldBe(code);
        match.Town!.Name.ShouldBe(town);
        match.Point.ShouldBe((match.Town.Lat, match.Town.Lng));
        match.Candidates.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("熊本県熊本市中央区出水2丁目7-1")]
    [InlineData("熊本市中央区出水二丁目7番1号")]   // no prefecture, kanji numerals
    [InlineData("熊本市中央区出水二丁目七番一号")]
    [InlineData("熊本県熊本市中央区出水２丁目７－１")] // full-width digits and dash
    [InlineData("熊本県 熊本市 中央区 出水 2丁目")]
    [InlineData("熊本市中央区出水2-7-1")]          // 丁目 left out
    [InlineData("熊本市出水2丁目7-1")]             // the ward left out: 出水二丁目 is in 中央区 only
    public void Forms_of_one_address_find_one_town(string address) =>
        ShouldBeTown(Locate(address), "431010", "出水二丁目");

    [Fact]
    public void A_point_is_that_of_the_town() =>
        Locate("熊本市中央区出水2丁目").Point.ShouldBe((32.785288, 130.735154));

    [Theory]
    [InlineData("北海道上川郡東川町東7号北44", "014583", "東七号北")] // a county before the town or village
    [InlineData("東川町東七号北", "014583", "東七号北")]             // county and prefecture left out
    [InlineData("東京都千代田区一番町1-1", "131016", "一番町")]     // Tokyo's special wards are municipalities
    [InlineData("熊本県上益城郡益城町大字安永1", "434434", "大字安永")]
    [InlineData("益城町安永1", "434434", "大字安永")]                // 大字 and 字 do not matter
    [InlineData("益城町字安永1", "434434", "大字安永")]
    [InlineData("福島県伊達市梁川町青葉町1-1", "072133", "梁川町青葉町")] // the longest town name, not 梁川町
    [InlineData("伊達市梁川町希望ヶ丘5", "072133", "梁川町希望ケ丘")]     // two 伊達市: the town is only in 福島県's
    public void An_address_finds_its_town(string address, string code, string town) =>
        ShouldBeTown(Locate(address), code, town);

    [Fact]
    public void A_town_in_two_wards_of_a_city_named_without_its_ward_is_not_guessed()
    {
        var match = Locate("熊本市出水4丁目1-1");

        match.Precision.ShouldBe(AddressPrecision.Unresolved);
        match.Point.ShouldBeNull();
        match.Candidates.ShouldBe(["熊本県熊本市中央区出水四丁目", "熊本県熊本市東区出水四丁目"], ignoreOrder: true);
        ShouldBeTown(Locate("熊本市東区出水4丁目1-1"), "431028", "出水四丁目");
    }

    [Theory]
    [InlineData("出水２－７－１", "43100")]   // municipality left out: the issuer's city
    [InlineData("中央区出水2丁目7-1", "43")] // the ward among the prefecture's, not Tokyo's 中央区
    [InlineData("熊本市中央区出水2-7-1", "431010")]
    public void The_context_fills_in_what_the_address_leaves_out(string address, string within) =>
        ShouldBeTown(Locate(address, within), "431010", "出水二丁目");

    [Fact]
    public void An_address_naming_another_prefecture_is_taken_as_written() =>
        ShouldBeTown(Locate("東京都千代田区一番町", within: "43100"), "131016", "一番町");

    [Fact]
    public void An_unknown_town_gives_the_municipality_and_the_nearest_names()
    {
        var match = Locate("熊本県熊本市中央区出水九丁目1-1");

        match.Precision.ShouldBe(AddressPrecision.Municipality);
        match.Code.ShouldBe("431010");
        match.Town.ShouldBeNull();
        match.Candidates.ShouldNotBeEmpty();
        match.Candidates.ShouldAllBe(c => c.StartsWith("出水"));
        var (lat, lng) = match.Point.ShouldNotBeNull();
        fixture.Gazetteer.At(lat, lng)!.Code.ShouldBe("43101"); // a point inside the ward
    }

    [Fact]
    public void A_designated_city_alone_gives_the_city()
    {
        var match = Locate("熊本市");

        match.Precision.ShouldBe(AddressPrecision.Municipality);
        match.Code.ShouldBe("431001");
        match.Candidates.ShouldBeEmpty(); // no town was named, so none is offered
    }

    [Theory]
    [InlineData("あいうえお")]
    [InlineData("123-4567")]
    [InlineData("")]
    [InlineData("熊本県")] // a prefecture is no municipality
    public void Garbage_is_unresolved(string address)
    {
        var match = Locate(address);

        match.Precision.ShouldBe(AddressPrecision.Unresolved);
        match.Code.ShouldBeNull();
        match.Point.ShouldBeNull();
    }

    [Fact]
    public void Garbage_within_a_context_is_unresolved_too() =>
        Locate("あいうえお", within: "43100").Precision.ShouldBe(AddressPrecision.Unresolved);

    [Fact]
    public void An_unknown_municipality_offers_the_nearest_names()
    {
        var match = Locate("熊本県熊本巿中央区"); // 巿 (U+5DFF), a look-alike of 市

        match.Precision.ShouldBe(AddressPrecision.Unresolved);
        match.Candidates.ShouldContain("熊本県熊本市");
    }
}
