using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>Sheets a desk already keeps become notices: every bad row reported by line, or left out when asked.</summary>
public class CsvIntakeTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    private static ByteArrayContent Sheet(string name) =>
        new(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "csv-corpus", name))) { Headers = { ContentType = new("text/csv") } };

    private Task<HttpResponseMessage> PostAsync(string name, string query) =>
        hub.SendAsync(HttpMethod.Post, $"/api/v1/notices?{query}", Sheet(name), HubFixture.IssuerKey);

    [Fact]
    public async Task A_Shift_JIS_districts_sheet_becomes_an_evacuation_order()
    {
        var (_, hook) = await hub.SubscribeAsync(["43"]);

        using var response = await PostAsync("valid/districts.kumamoto.sjis.csv", $"sheet=evacuation-districts&documentId=csv-{Guid.NewGuid():N}");

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var cap = CapReader.Read((await hub.Sink.WaitForDocumentAsync(hook, id)).Body).Alert.ShouldNotBeNull();
        cap.Infos[0].Headline.ShouldStartWith("【警戒レベル5】熊本市 緊急安全確保");
        cap.Infos[0].Description!.ShouldContain("中央区黒髪一丁目: 警戒レベル4（洪水） 1520世帯 3104人");
    }

    [Fact]
    public async Task Every_bad_row_is_reported_by_line_and_nothing_is_stored()
    {
        var documentId = $"bad-{Guid.NewGuid():N}";

        using var response = await PostAsync("invalid/districts.every-bad-row.csv", $"sheet=evacuation-districts&documentId={documentId}");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("code").GetString(), e.GetProperty("line").GetInt32())).ToList();
        errors.ShouldBe([("evacuation.abolished-level", 2), ("evacuation.level.not-for-hazard", 4), ("csv.value.not-a-number", 5)]);
    }

    [Fact]
    public async Task Partial_acceptance_keeps_the_good_rows_and_names_the_rest()
    {
        using var response = await PostAsync("invalid/districts.every-bad-row.csv", $"sheet=evacuation-districts&documentId=part-{Guid.NewGuid():N}&partial=true");

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        receipt.GetProperty("warnings").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()).ShouldBe([2, 4, 5]);
    }

    [Fact]
    public async Task A_sheet_without_its_envelope_says_what_is_missing()
    {
        using var response = await PostAsync("valid/districts.kumamoto.sjis.csv", "documentId=has%20space&kind=Sometimes");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var paths = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString());
        paths.ShouldBe(["?sheet", "?documentId", "?kind"]);
    }

    [Fact]
    public async Task A_correction_without_a_reason_points_at_the_query()
    {
        using var response = await PostAsync("valid/districts.kumamoto.sjis.csv", $"sheet=evacuation-districts&documentId=r-{Guid.NewGuid():N}&revision=2&kind=Correction");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe("notice.reason.missing");
        error.GetProperty("path").GetString().ShouldBe("?reason");
    }

    [Fact]
    public async Task A_shelter_register_is_not_a_notice()
    {
        using var response = await PostAsync("valid/sites.kumamoto.utf8.csv", $"sheet=gsi-emergency-sites&documentId=x-{Guid.NewGuid():N}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("request.query.sheet");
    }
}
