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

    private Task<HttpResponseMessage> PostTextAsync(string csv, string query, string path = "/api/v1/notices") =>
        hub.SendAsync(HttpMethod.Post, $"{path}?{query}", new StringContent(csv, System.Text.Encoding.UTF8, "text/csv"), HubFixture.IssuerKey);

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

    /// <summary>Issues 熊本市's districts sheet as <paramref name="documentId"/>; returns the notice's id.</summary>
    private async Task<string> IssueDistrictsAsync(string documentId)
    {
        using var issued = await PostAsync("valid/districts.kumamoto.sjis.csv", $"sheet=evacuation-districts&documentId={documentId}");
        issued.StatusCode.ShouldBe(HttpStatusCode.Accepted, await issued.Content.ReadAsStringAsync());
        return (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_sheet_issued_notice_is_cancelled_by_its_header_alone()
    {
        var documentId = $"cancel-{Guid.NewGuid():N}";
        var id = await IssueDistrictsAsync(documentId);

        // A cancel carries no rows: the sheet's header alone, with the reason in the query.
        using var header = new StringContent("地区名,地域コード,警戒レベル,災害種別,世帯数,人数,発令日時,解除日時\r\n", System.Text.Encoding.UTF8, "text/csv");
        using var cancelled = await hub.SendAsync(HttpMethod.Post,
            $"/api/v1/notices?sheet=evacuation-districts&documentId={documentId}&revision=2&kind=Cancel&reason={Uri.EscapeDataString("地区を誤って発表したため")}",
            header, HubFixture.IssuerKey);

        cancelled.StatusCode.ShouldBe(HttpStatusCode.Accepted, await cancelled.Content.ReadAsStringAsync());
        (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString().ShouldBe(id);
        (await hub.GetStatusAsync(id)).GetProperty("state").GetString().ShouldBe("cancelled");
    }

    [Fact]
    public async Task A_cancel_sheet_with_rows_is_refused_at_its_first_row()
    {
        var documentId = $"cancel-rows-{Guid.NewGuid():N}";
        var id = await IssueDistrictsAsync(documentId);

        using var response = await PostAsync("valid/districts.kumamoto.sjis.csv", $"sheet=evacuation-districts&documentId={documentId}&revision=2&kind=Cancel&reason=x");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe("notice.body.on-cancel");
        error.GetProperty("line").GetInt32().ShouldBe(2);
        (await hub.GetStatusAsync(id)).GetProperty("state").GetString().ShouldBe("active");
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

    [Fact]
    public async Task A_places_sheet_becomes_a_general_notice_whose_places_are_on_their_map_layers()
    {
        var documentId = $"places-{Guid.NewGuid():N}";

        using var response = await PostAsync("valid/places.kumamoto.sjis.csv", $"sheet=life-support-places&documentId={documentId}");

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var layer = (string name) => hub.Client.GetFromJsonAsync<JsonElement>($"/api/v1/layers/431001/{name}");
        JsonElement? Of(JsonElement collection, string place) => collection.GetProperty("features").EnumerateArray()
            .Where(f => f.GetProperty("properties").GetProperty("notice").GetString() == id && f.GetProperty("properties").GetProperty("name").GetString() == place)
            .Select(f => (JsonElement?)f).FirstOrDefault();
        await HubFixture.Eventually(async () => Of(await layer("water-points"), "白川公園 給水所") is not null, "the sheet's water point on its layer ");

        var water = Of(await layer("water-points"), "白川公園 給水所")!.Value;
        water.GetProperty("geometry").GetProperty("coordinates")[0].GetDecimal().ShouldBe(130.7118m);
        water.GetProperty("properties").GetProperty("hours").GetString()!.ShouldEndWith("17:00"); // 〜 as Shift_JIS gives it back: ～
        water.GetProperty("properties").GetProperty("headline").GetString()!.ShouldContain("給水・入浴などの生活支援拠点");
        // No coordinates in the sheet: placed by its address.
        Of(await layer("baths"), "水前寺 入浴支援")!.Value.GetProperty("properties").GetProperty("state").GetString().ShouldBe("preparing");
        Of(await layer("relief-supplies"), "辛島公園 物資配布")!.Value.GetProperty("properties").GetProperty("state").GetString().ShouldBe("closed");
    }

    [Fact]
    public async Task A_places_sheet_with_bad_rows_is_refused_by_line()
    {
        using var response = await PostAsync("invalid/places.every-bad-row.csv", $"sheet=life-support-places&documentId=places-{Guid.NewGuid():N}&title=%20");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("path").GetString().ShouldBe("?title");

        using var rows = await PostAsync("invalid/places.every-bad-row.csv", $"sheet=life-support-places&documentId=places-{Guid.NewGuid():N}");
        rows.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await rows.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("code").GetString(), e.GetProperty("line").GetInt32()))
            .ShouldBe([("csv.value.not-in-vocabulary", 2), ("csv.place.half-position", 3), ("csv.place.nowhere", 4), ("csv.value.not-in-vocabulary", 5)]);
    }

    [Fact]
    public async Task A_sheet_whose_CAP_the_hub_could_not_read_back_is_refused_and_nothing_is_stored()
    {
        var documentId = $"swell-{Guid.NewGuid():N}";
        // 500 districts named with characters XML escapes: a 70 KB sheet, within every limit, but each & is five
        // characters in the CAP and each name is written there four times (two infos' areas, the description, the notice).
        var csv = "地区名,地域コード,警戒レベル,災害種別,世帯数,人数,発令日時,解除日時\n"
            + string.Concat(Enumerable.Range(1, 500).Select(i => $"{new string('&', 96)}{i:0000},431010,4,洪水,1,1,2026-07-01 03:00,\n"));

        using var response = await PostTextAsync(csv, $"sheet=evacuation-districts&documentId={documentId}");
        using var dryRun = await PostTextAsync(csv, $"sheet=evacuation-districts&documentId={documentId}", "/api/v1/notices/validate");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("notice.cap.too-large");
        var error = problem.GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe("notice.cap.too-large");
        error.GetProperty("path").ValueKind.ShouldBe(JsonValueKind.Null); // the whole sheet
        error.GetProperty("ja").GetString()!.ShouldContain("1,048,576");
        error.GetProperty("en").GetString()!.ShouldContain("1,048,576");
        (await dryRun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem()
            .GetProperty("code").GetString().ShouldBe("notice.cap.too-large");

        // Nothing was stored: the document id still starts a document.
        using var valid = await PostAsync("valid/districts.kumamoto.sjis.csv", $"sheet=evacuation-districts&documentId={documentId}");
        valid.StatusCode.ShouldBe(HttpStatusCode.Accepted, await valid.Content.ReadAsStringAsync());
        (await valid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task A_sheet_longer_than_a_notice_holds_is_refused_at_its_first_row_too_many()
    {
        var csv = "避難所ID,状況,避難者数,収容人数,更新日時\n"
            + string.Concat(Enumerable.Range(1, 1_001).Select(i => $"S{i},開設,1,,2026-07-01 03:00\n"));

        using var response = await PostTextAsync(csv, $"sheet=shelter-status&documentId=long-{Guid.NewGuid():N}");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await response.Content.ReadAsStringAsync());
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("code").GetString().ShouldBe("csv.limit.rows");
        error.GetProperty("line").GetInt32().ShouldBe(1_002);
    }
}
