using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using SkiaSharp;

namespace Alert.Hub.Tests;

/// <summary>
/// Field reports on both transports and databases: a report from the field with photos, placed by the device or the
/// photo's EXIF, photos served upright and stripped, the desk's verify and merge, a damage notice of the verified set
/// delivered, and reports without a position kept but never placed.
/// </summary>
public abstract class FieldReportsTests(HubFixture hub)
{
    internal const string FieldKey = "field-key-0123456789abcdef";
    internal static readonly Identity Field = new("test-field-kumamoto", "熊本市 現地班", Roles.Field, "43100");

    /// <summary>熊本市中央区 by 白川, where the tests' reports are made.</summary>
    internal static readonly (double Lat, double Lng) Shirakawa = (32.8031, 130.7079);

    internal static Task AddFieldAsync(HubFixture hub) => hub.AddIssuerAsync(Field, FieldKey);

    internal static MultipartFormDataContent Form(string category, string? comment = null, (double Lat, double Lng)? at = null, params byte[][] photos)
    {
        var form = new MultipartFormDataContent { { new StringContent(category), "category" } };
        if (comment is not null) form.Add(new StringContent(comment), "comment");
        if (at is { } p)
        {
            form.Add(new StringContent(p.Lat.ToString(System.Globalization.CultureInfo.InvariantCulture)), "lat");
            form.Add(new StringContent(p.Lng.ToString(System.Globalization.CultureInfo.InvariantCulture)), "lng");
        }
        foreach (var (photo, i) in photos.Select((p, i) => (p, i)))
            form.Add(new ByteArrayContent(photo) { Headers = { ContentType = new(photo[0] == 0x89 ? "image/png" : "image/jpeg") } }, "photo", $"IMG_{i:0000}.jpg");
        return form;
    }

    internal static async Task<JsonElement> PostAsync(HubFixture hub, MultipartFormDataContent form)
    {
        await AddFieldAsync(hub);
        using var response = await hub.SendAsync(HttpMethod.Post, "/api/v1/field-reports", form, FieldKey);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<JsonElement> PostAsync(MultipartFormDataContent form) => PostAsync(hub, form);

    private async Task<HttpResponseMessage> DeskAsync(string path, object? body = null) =>
        await hub.SendAsync(HttpMethod.Post, path, body is null ? null : JsonContent.Create(body), HubFixture.IssuerKey);

    private static string Id(JsonElement report) => report.GetProperty("id").GetString()!;

    private async Task<long> ReportsAsync()
    {
        await using var connection = await hub.Services.GetRequiredService<Db>().OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM field_reports");
    }

    [Fact]
    public async Task A_photo_places_a_report_by_its_EXIF_and_is_served_upright_without_its_metadata_and_public_only_once_verified()
    {
        // Stored sideways (orientation 6: turn a quarter clockwise to stand up), 400 × 200, red on the left.
        var report = await PostAsync(Form("building-damage", "ブロック塀が倒壊", null, TestPhotos.Jpeg(400, 200, Shirakawa, orientation: 6)));

        report.GetProperty("located").GetBoolean().ShouldBeTrue();
        report.GetProperty("locatedBy").GetString().ShouldBe("photo");
        report.GetProperty("lat").GetDouble().ShouldBe(Shirakawa.Lat, 0.00001);
        report.GetProperty("areaCode").GetString().ShouldBe("431010"); // 熊本市中央区
        report.GetProperty("state").GetString().ShouldBe("new");
        var photo = report.GetProperty("photos")[0];
        var url = photo.GetProperty("url").GetString()!;

        using var served = await hub.SendAsync(HttpMethod.Get, url, null, FieldKey);
        served.StatusCode.ShouldBe(HttpStatusCode.OK);
        served.Content.Headers.ContentType!.MediaType.ShouldBe("image/jpeg");
        var bytes = await served.Content.ReadAsByteArrayAsync();
        var directories = ImageMetadataReader.ReadMetadata(new MemoryStream(bytes));
        directories.OfType<ExifIfd0Directory>().ShouldBeEmpty();
        directories.OfType<GpsDirectory>().ShouldBeEmpty();
        System.Text.Encoding.ASCII.GetString(bytes).ShouldNotContain(TestPhotos.Make);
        using (var upright = SKBitmap.Decode(bytes))
        {
            (upright.Width, upright.Height).ShouldBe((200, 400));
            // Turned clockwise, the red left half is now on top.
            upright.GetPixel(100, 50).Red.ShouldBeGreaterThan((byte)200);
            upright.GetPixel(100, 350).Blue.ShouldBeGreaterThan((byte)200);
        }
        using (var thumb = SKBitmap.Decode(await (await hub.SendAsync(HttpMethod.Get, url + "?size=thumb", null, FieldKey)).Content.ReadAsByteArrayAsync()))
            (thumb.Width, thumb.Height).ShouldBe((160, 320));

        (await hub.SendAsync(HttpMethod.Get, url, null, null)).StatusCode.ShouldBe(HttpStatusCode.NotFound); // not public before a person checked it
        (await DeskAsync($"/api/v1/field-reports/{Id(report)}/verified")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var published = await hub.SendAsync(HttpMethod.Get, url, null, null);
        published.StatusCode.ShouldBe(HttpStatusCode.OK);
        published.Headers.CacheControl!.Public.ShouldBeTrue();
    }

    [Fact]
    public async Task The_devices_position_comes_before_the_photos_and_a_report_without_either_is_kept_flagged_in_the_reporters_area()
    {
        var placed = await PostAsync(Form("flooding", null, (32.7898, 130.7417), TestPhotos.Jpeg(64, 48, Shirakawa)));
        placed.GetProperty("locatedBy").GetString().ShouldBe("device");
        placed.GetProperty("lat").GetDouble().ShouldBe(32.7898);

        // A phone on the shore, just outside the simplified boundaries: the photo places the report instead; never refused.
        var shore = await PostAsync(Form("flooding", null, (32.75, 130.45), TestPhotos.Jpeg(64, 48, Shirakawa)));
        shore.GetProperty("locatedBy").GetString().ShouldBe("photo");

        var lost = await PostAsync(Form("other", "位置情報なし", null, TestPhotos.Png(32, 32)));
        lost.GetProperty("located").GetBoolean().ShouldBeFalse();
        lost.GetProperty("lat").ValueKind.ShouldBe(JsonValueKind.Null);
        lost.GetProperty("areaCode").GetString().ShouldBe("431001"); // the reporter's 熊本市

        using var list = await hub.SendAsync(HttpMethod.Get, "/api/v1/field-reports", null, HubFixture.IssuerKey);
        var mine = (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Single(r => Id(r) == Id(lost));
        mine.GetProperty("located").GetBoolean().ShouldBeFalse();

        // Verified, it still cannot go on a notice as a site: it has nowhere to be.
        (await DeskAsync($"/api/v1/field-reports/{Id(lost)}/verified")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var refused = await DeskAsync("/api/v1/field-reports/damage-notice", new { reports = new[] { Id(lost) } });
        refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("field-report.no-location");
    }

    [Fact]
    public async Task Bad_reports_are_refused_with_every_problem_and_nothing_is_kept()
    {
        await AddFieldAsync(hub);
        var before = await ReportsAsync();
        var notAnImage = "GIF89a not really"u8.ToArray();

        using var response = await hub.SendAsync(HttpMethod.Post, "/api/v1/field-reports",
            Form("earthquake", new string('あ', 501), (130.7079, 32.8031), notAnImage), FieldKey);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => e.GetProperty("code").GetString()).ShouldBe(
            ["field-report.category.invalid", "field-report.comment.too-long", "field-report.location.outside", "field-report.photo.unreadable"], ignoreOrder: true);
        errors.ShouldAllBe(e => e.GetProperty("path").GetString()!.StartsWith("/form/") && e.GetProperty("ja").GetString()!.Length > 0 && e.GetProperty("en").GetString()!.Length > 0);
        (await ReportsAsync()).ShouldBe(before);

        using var control = await hub.SendAsync(HttpMethod.Post, "/api/v1/field-reports", Form("other", "ベル\u0007"), FieldKey);
        (await control.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("field-report.comment.invalid-char");
        foreach (var set in new object[] { new { reports = new string?[] { null } }, new { reports = new[] { "x" }, mode = "7" }, new { reports = new[] { "x" }, mode = "Actual, Test" } })
        {
            using var refused = await DeskAsync("/api/v1/field-reports/damage-notice", set);
            refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await refused.Content.ReadAsStringAsync());
        }

        using var json = await hub.SendAsync(HttpMethod.Post, "/api/v1/field-reports", JsonContent.Create(new { category = "other" }), FieldKey);
        json.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await ReportsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Post_verify_merge_and_a_damage_notice_of_the_verified_set_is_delivered_with_its_sites()
    {
        var (_, hook) = await hub.SubscribeAsync(["431010"]);
        var first = await PostAsync(Form("road-blocked", "市道が冠水、通行不可", Shirakawa, TestPhotos.Jpeg(120, 90)));
        var same = await PostAsync(Form("road-blocked", "同じ場所", (Shirakawa.Lat + 0.0001, Shirakawa.Lng)));
        var unverified = await PostAsync(Form("landslide", null, (32.8125, 130.6932)));

        (await DeskAsync($"/api/v1/field-reports/{Id(first)}/verified")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await DeskAsync($"/api/v1/field-reports/{Id(first)}/verified")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        using (var merged = await DeskAsync($"/api/v1/field-reports/{Id(same)}/merged", new { into = Id(first) }))
        {
            merged.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await merged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString().ShouldBe("merged");
        }
        using (var kept = await hub.SendAsync(HttpMethod.Get, $"/api/v1/field-reports/{Id(first)}", null, HubFixture.IssuerKey))
            (await kept.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicates").EnumerateArray().Select(d => d.GetString()).ShouldBe([Id(same)]);

        // An unverified report in the set: refused whole, nothing sent.
        using (var refused = await DeskAsync("/api/v1/field-reports/damage-notice", new { reports = new[] { Id(first), Id(unverified) } }))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ShouldHaveSingleItem();
            error.GetProperty("code").GetString().ShouldBe("field-report.not-verified");
            error.GetProperty("path").GetString().ShouldBe("$.reports[1]");
        }

        using var sent = await DeskAsync("/api/v1/field-reports/damage-notice", new { reports = new[] { Id(first) } });
        sent.StatusCode.ShouldBe(HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());
        var noticeId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var received = await hub.Sink.WaitForDocumentAsync(hook, noticeId);
        var cap = CapReader.Read(received.Body).Alert.ShouldNotBeNull();
        cap.Infos[0].Description.ShouldNotBeNull().ShouldContain("通行止め (32.8031,130.7079): 市道が冠水、通行不可");

        using var native = await hub.SendAsync(HttpMethod.Get, $"/api/v1/notices/{noticeId}/revisions/1/notice.json", null, null);
        var site = (await native.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("body").GetProperty("reports")[0].GetProperty("sites").EnumerateArray().ShouldHaveSingleItem();
        site.GetProperty("kind").GetString().ShouldBe("road-blocked");
        var photo = new Uri(site.GetProperty("photo").GetString()!);
        (await hub.SendAsync(HttpMethod.Get, photo.PathAndQuery, null, null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var after = await hub.SendAsync(HttpMethod.Get, $"/api/v1/field-reports/{Id(first)}", null, HubFixture.IssuerKey);
        var reported = await after.Content.ReadFromJsonAsync<JsonElement>();
        reported.GetProperty("state").GetString().ShouldBe("reported");
        reported.GetProperty("noticeId").GetString().ShouldBe(noticeId);

        // The desk adds its own count (one missing) as an update of the notice, as it would from the desk's counts.
        var counted = System.Text.Json.Nodes.JsonNode.Parse(await native.Content.ReadAsStringAsync())!;
        counted["envelope"]!["revision"] = 2;
        counted["envelope"]!["kind"] = "Update";
        counted["envelope"]!["sent"] = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
        counted["body"]!["reports"]![0]!["missing"] = 1;
        using (var update = await hub.SendAsync(HttpMethod.Post, "/api/v1/notices",
            new StringContent(counted.ToJsonString(), System.Text.Encoding.UTF8, "application/vnd.alert-hub.notice+json"), HubFixture.IssuerKey))
            update.StatusCode.ShouldBe(HttpStatusCode.Accepted, await update.Content.ReadAsStringAsync());

        // The next verified set is the next revision of the same notice: all it said, the desk's count too, and the new site.
        var later = await PostAsync(Form("landslide", "裏山の斜面が崩れた", (32.8125, 130.6932)));
        (await DeskAsync($"/api/v1/field-reports/{Id(later)}/verified")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var next = await DeskAsync("/api/v1/field-reports/damage-notice", new { reports = new[] { Id(later) } });
        next.StatusCode.ShouldBe(HttpStatusCode.Accepted, await next.Content.ReadAsStringAsync());
        var receipt = await next.Content.ReadFromJsonAsync<JsonElement>();
        (receipt.GetProperty("id").GetString(), receipt.GetProperty("revision").GetInt32()).ShouldBe((noticeId, 3));
        using var third = await hub.SendAsync(HttpMethod.Get, $"/api/v1/notices/{noticeId}/revisions/3/notice.json", null, null);
        var reports = (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("body").GetProperty("reports").EnumerateArray().ToList();
        reports.SelectMany(r => r.GetProperty("sites").EnumerateArray()).Select(x => x.GetProperty("kind").GetString())
            .ShouldBe(["road-blocked", "landslide"], ignoreOrder: true);
        reports.Single(r => r.TryGetProperty("missing", out _)).GetProperty("missing").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task One_report_sent_twice_at_once_goes_out_once_and_two_reports_cannot_be_merged_into_each_other()
    {
        var report = await PostAsync(Form("building-damage", "同時送信", Shirakawa));
        (await DeskAsync($"/api/v1/field-reports/{Id(report)}/verified")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // As an exercise: a notice of its own, apart from the other tests' actual one.
        var sends = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => DeskAsync("/api/v1/field-reports/damage-notice", new { reports = new[] { Id(report) }, mode = "Exercise" })));

        sends.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBe(1);
        sends.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Accepted || r.StatusCode == HttpStatusCode.Conflict || r.StatusCode == HttpStatusCode.UnprocessableEntity);

        var (a, b) = (await PostAsync(Form("other", "A", Shirakawa)), await PostAsync(Form("other", "B", Shirakawa)));
        (await DeskAsync($"/api/v1/field-reports/{Id(a)}/merged", new { into = Id(b) })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await DeskAsync($"/api/v1/field-reports/{Id(b)}/merged", new { into = Id(a) })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Only_the_reporter_and_the_desk_that_looks_after_the_place_see_a_report()
    {
        var report = await PostAsync(Form("other", "札幌には見えない", Shirakawa));
        await hub.AddIssuerAsync(new Identity("test-sapporo-city", "札幌市", Roles.Issuer, "01100"), "sapporo-key-0123456789abcdef");
        // A desk of the same prefecture is not this place's desk either.
        await hub.AddIssuerAsync(new Identity("test-yatsushiro-city", "八代市", Roles.Issuer, "43202"), "yatsushiro-key-0123456789abcdef");
        (await hub.SendAsync(HttpMethod.Get, $"/api/v1/field-reports/{Id(report)}", null, "yatsushiro-key-0123456789abcdef")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var theirs = await hub.SendAsync(HttpMethod.Get, "/api/v1/field-reports", null, "yatsushiro-key-0123456789abcdef"))
            (await theirs.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ShouldNotContain(r => Id(r) == Id(report));

        (await hub.SendAsync(HttpMethod.Get, $"/api/v1/field-reports/{Id(report)}", null, "sapporo-key-0123456789abcdef")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var list = await hub.SendAsync(HttpMethod.Get, "/api/v1/field-reports", null, "sapporo-key-0123456789abcdef");
        (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ShouldNotContain(r => Id(r) == Id(report));
        (await hub.SendAsync(HttpMethod.Post, $"/api/v1/field-reports/{Id(report)}/verified", null, "sapporo-key-0123456789abcdef")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hub.SendAsync(HttpMethod.Get, $"/api/v1/field-reports/{Id(report)}", null, FieldKey)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class EmbeddedFieldReportsTests(EmbeddedHub hub) : FieldReportsTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresFieldReportsTests(RabbitPostgresHub hub) : FieldReportsTests(hub);
