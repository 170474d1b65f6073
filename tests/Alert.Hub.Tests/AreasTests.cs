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
    public async Task Names_complete_for_the_desk_form()
    {
        var areas = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/areas/search?q=" + Uri.EscapeDataString("熊本市"));
        var towns = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/areas/search?code=431001&q=" + Uri.EscapeDataString("出水"));

        areas.EnumerateArray().Select(a => a.GetProperty("code").GetString()).ShouldContain("431001");
        towns.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ShouldContain("出水一丁目");
    }
}
