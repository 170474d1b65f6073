using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

public class AreasTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    [Fact]
    public async Task A_designated_city_comes_as_GeoJSON_with_its_wards()
    {
        using var response = await hub.Client.GetAsync("/api/v1/areas/43100");

        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/geo+json");
        var feature = await response.Content.ReadFromJsonAsync<JsonElement>();
        feature.GetProperty("type").GetString().ShouldBe("Feature");
        feature.GetProperty("geometry").GetProperty("type").GetString().ShouldBeOneOf("Polygon", "MultiPolygon");
        feature.GetProperty("properties").GetProperty("code").GetString().ShouldBe("431001");
        feature.GetProperty("properties").GetProperty("name").GetString().ShouldBe("熊本県熊本市");
        feature.GetProperty("properties").GetProperty("parts").GetArrayLength().ShouldBe(5);
        feature.GetProperty("properties").GetProperty("approximate").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task A_town_comes_as_its_approximate_cell()
    {
        using var response = await hub.Client.GetAsync("/api/v1/areas/431001/towns/" + Uri.EscapeDataString("出水1丁目"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var properties = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("properties");
        properties.GetProperty("name").GetString().ShouldBe("出水一丁目");
        properties.GetProperty("approximate").GetBoolean().ShouldBeTrue();
        properties.GetProperty("municipalities").EnumerateArray().Select(m => m.GetString()).ShouldBe(["431010"]);
    }

    [Theory]
    [InlineData("/api/v1/areas/43999", "code.unknown")]
    [InlineData("/api/v1/areas/431001/towns/%E5%87%BA%E6%B0%B4%E4%B9%9D%E4%B8%81%E7%9B%AE", "geo.district.unknown")] // 出水九丁目
    [InlineData("/api/v1/areas/search", "request.query.q")]
    public async Task Unknown_places_are_named_not_guessed(string path, string code)
    {
        using var response = await hub.Client.GetAsync(path);

        ((int)response.StatusCode).ShouldBeInRange(400, 404);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe(code);
    }

    [Fact]
    public async Task A_notice_named_by_towns_covers_their_cells_not_the_whole_ward()
    {
        var xml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", "evacuation.xml"))
            .Replace("431001-2026-0042", $"cells-{Guid.NewGuid():N}", StringComparison.Ordinal);
        xml = xml[..xml.IndexOf("    <district>\n      <areaCode>", StringComparison.Ordinal)] + xml[xml.IndexOf("  </evacuation>", StringComparison.Ordinal)..];
        using var accepted = await hub.PostCapAsync(xml, contentType: "application/xml");
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var area = await hub.Client.GetFromJsonAsync<JsonElement>($"/api/v1/notices/{id}/area");
        var ward = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/areas/431010");

        Size(area).ShouldBeLessThan(Size(ward) / 10); // 出水一丁目's cell, not all of 中央区
        Size(area).ShouldBeGreaterThan(0);
    }

    // Enough of a measure to compare shapes: the bounding box's area in square degrees.
    private static double Size(JsonElement feature)
    {
        var points = Flatten(feature.GetProperty("geometry").GetProperty("coordinates")).ToList();
        return (points.Max(p => p.X) - points.Min(p => p.X)) * (points.Max(p => p.Y) - points.Min(p => p.Y));
    }

    private static IEnumerable<(double X, double Y)> Flatten(JsonElement e) =>
        e[0].ValueKind == JsonValueKind.Number ? [(e[0].GetDouble(), e[1].GetDouble())] : e.EnumerateArray().SelectMany(Flatten);

    [Fact]
    public async Task An_address_resolves_to_its_town_point()
    {
        using var response = await hub.Client.GetAsync("/api/v1/areas/geocode?address=" + Uri.EscapeDataString("熊本県熊本市中央区出水2丁目7-1"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var place = await response.Content.ReadFromJsonAsync<JsonElement>();
        place.GetProperty("address").GetString().ShouldBe("熊本県熊本市中央区出水2丁目7-1");
        place.GetProperty("precision").GetString().ShouldBe("town");
        place.GetProperty("code").GetString().ShouldBe("431010");
        place.GetProperty("municipality").GetString().ShouldBe("熊本県熊本市中央区");
        place.GetProperty("town").GetString().ShouldBe("出水二丁目");
        place.GetProperty("lat").GetDouble().ShouldBe(32.785288);
        place.GetProperty("lng").GetDouble().ShouldBe(130.735154);
    }

    [Fact]
    public async Task An_address_without_its_municipality_is_found_in_the_area_given()
    {
        var place = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/areas/geocode?code=431001&address=" + Uri.EscapeDataString("出水２－７－１"));

        place.GetProperty("code").GetString().ShouldBe("431010");
        place.GetProperty("town").GetString().ShouldBe("出水二丁目");
    }

    [Fact]
    public async Task An_unknown_town_gives_the_municipality_with_the_nearest_names()
    {
        var place = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/areas/geocode?address=" + Uri.EscapeDataString("熊本市中央区出水九丁目"));

        place.GetProperty("precision").GetString().ShouldBe("municipality");
        place.GetProperty("code").GetString().ShouldBe("431010");
        place.GetProperty("town").ValueKind.ShouldBe(JsonValueKind.Null);
        place.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()).ShouldContain("出水一丁目");
    }

    [Fact]
    public async Task An_address_fitting_two_towns_is_a_problem_listing_both()
    {
        using var response = await hub.Client.GetAsync("/api/v1/areas/geocode?address=" + Uri.EscapeDataString("熊本市出水4丁目"));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("geo.address.unresolved");
        problem.GetProperty("titleJa").GetString()!.ShouldContain("熊本県熊本市東区出水四丁目");
        problem.GetProperty("candidates").EnumerateArray().Select(c => c.GetString())
            .ShouldBe(["熊本県熊本市中央区出水四丁目", "熊本県熊本市東区出水四丁目"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("/api/v1/areas/geocode?address=%E3%81%82%E3%81%84%E3%81%86", 404, "geo.address.unresolved")] // あいう
    [InlineData("/api/v1/areas/geocode", 400, "request.query.address")]
    [InlineData("/api/v1/areas/geocode?address=x&code=43999", 404, "code.unknown")]
    [InlineData("/api/v1/areas/at?lat=30&lng=135", 404, "geo.point.outside")] // the Pacific
    [InlineData("/api/v1/areas/at?lat=32.8", 400, "request.query.point")]
    [InlineData("/api/v1/areas/at?lat=91&lng=130", 400, "request.query.point")]
    [InlineData("/api/v1/areas/at?lat=32.8&lng=east", 400, "request.query.point")]
    public async Task Addresses_and_points_that_name_no_place_are_problems(string path, int status, string code)
    {
        using var response = await hub.Client.GetAsync(path);

        ((int)response.StatusCode).ShouldBe(status);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe(code);
    }

    [Fact]
    public async Task A_point_gives_its_ward_and_approximate_town()
    {
        // Just beside 出水二丁目's point: its own cell, whatever the cells' shapes.
        var place = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/areas/at?lat=32.78530&lng=130.73510");

        place.GetProperty("code").GetString().ShouldBe("431010");
        place.GetProperty("municipality").GetString().ShouldBe("熊本県熊本市中央区");
        place.GetProperty("town").GetString().ShouldBe("出水二丁目");
        place.GetProperty("approximate").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Names_complete_for_the_desk_form()
    {
        var areas = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/areas/search?q=" + Uri.EscapeDataString("熊本市"));
        var towns = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/areas/search?code=431001&q=" + Uri.EscapeDataString("出水"));

        areas.EnumerateArray().Select(a => a.GetProperty("code").GetString()).ShouldContain("431001");
        towns.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ShouldContain("出水一丁目");
    }
}
