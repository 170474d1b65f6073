using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests.Desk;

/// <summary>What the desk page asks of the hub beyond the public API: a city's town cells in one answer, and the preview.</summary>
public sealed class DeskApiTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    private const string NoticeJson = "application/vnd.alert-hub.notice+json";

    [Fact]
    public async Task A_designated_city_comes_with_the_approximate_cells_of_all_its_wards_towns()
    {
        using var response = await hub.Client.GetAsync("/api/v1/areas/43100/towns");

        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/geo+json");
        var towns = await response.Content.ReadFromJsonAsync<JsonElement>();
        towns.GetProperty("type").GetString().ShouldBe("FeatureCollection");
        towns.GetProperty("properties").GetProperty("approximate").GetBoolean().ShouldBeTrue();
        var names = towns.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("name").GetString()).ToList();
        names.ShouldContain("出水一丁目");   // 中央区
        names.ShouldContain("城南町舞原");   // 南区
        names.ShouldBeUnique();
    }

    private static string Evacuation(string documentId, int persons, string district = "出水一丁目") => JsonSerializer.Serialize(new
    {
        envelope = new
        {
            documentId, revision = 1, issuerCode = "431001", issuerName = "熊本市", mode = "Exercise", kind = "Issue",
            sent = "2026-07-01T03:00:00+09:00", areas = new[] { new { code = "431001", name = "熊本市" } },
        },
        body = new { category = "evacuation", districts = new[] { new { name = district, level = "4", disasterType = "flood", households = 12, persons } } },
    });

    private Task<HttpResponseMessage> PreviewAsync(string json) =>
        hub.SendAsync(HttpMethod.Post, "/api/v1/notices/preview", new StringContent(json, Encoding.UTF8, NoticeJson), HubFixture.IssuerKey);

    [Fact]
    public async Task A_preview_shows_what_TV_apps_and_signage_will_get_and_stores_nothing()
    {
        var id = $"preview-{Guid.NewGuid():N}";
        using var response = await PreviewAsync(Evacuation(id, 30));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("valid").GetBoolean().ShouldBeTrue();
        var renderings = report.GetProperty("renderings");
        var cap = renderings.GetProperty("cap").GetString()!;
        cap.ShouldContain("<language>ja-JP</language>");
        cap.ShouldContain("<language>en-US</language>");
        cap.ShouldContain("<status>Exercise</status>");
        JsonDocument.Parse(renderings.GetProperty("json").GetString()!).RootElement.GetProperty("body").GetProperty("districts")[0]
            .GetProperty("persons").GetInt32().ShouldBe(30);
        renderings.GetProperty("text").GetString()!.ShouldStartWith("【訓練】【警戒レベル4】避難指示（洪水）");
        renderings.GetProperty("textEn").GetString()!.ShouldStartWith("[Exercise] [Level 4] Evacuation order (flood)");

        using var stored = await hub.SendAsync(HttpMethod.Get, $"/api/v1/notices/{id}", null, HubFixture.IssuerKey);
        stored.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(-3, "出水一丁目", "notice.number.negative", "$.body.districts[0].persons")]
    [InlineData(3, "出水九丁目", "geo.district.unknown", "/notice/evacuation/district[1]/name")]
    public async Task A_preview_of_a_wrong_notice_names_the_field_and_renders_nothing(int persons, string district, string code, string path)
    {
        using var response = await PreviewAsync(Evacuation($"preview-{Guid.NewGuid():N}", persons, district));

        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("valid").GetBoolean().ShouldBeFalse();
        report.GetProperty("renderings").ValueKind.ShouldBe(JsonValueKind.Null);
        var error = report.GetProperty("errors")[0];
        (error.GetProperty("code").GetString(), error.GetProperty("path").GetString()).ShouldBe((code, path));
        error.GetProperty("ja").GetString().ShouldNotBeNullOrEmpty();
    }
}
