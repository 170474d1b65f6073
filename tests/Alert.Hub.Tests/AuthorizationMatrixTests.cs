using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alert.Hub.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests;

/// <summary>
/// Every endpoint × every kind of caller, with a notice in the caller's area and one outside it: the status each gets.
/// The matrix is the hub's statement of who may do what; docs/authorization.md is made from it and must match, and
/// an endpoint missing from it fails the test, so a new endpoint cannot arrive without saying whom it serves.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixHub hub) : IClassFixture<MatrixHub>
{
    /// <summary>The callers, in the matrix's column order.</summary>
    private static readonly string[] Callers =
        ["anonymous", "unknown key", "expired key", "熊本市 (issuer)", "札幌市 (issuer)", "熊本県 (prefecture)", "lifeline (九州)", "national", "subscriber", "admin", "field staff"];

    private sealed record Row(string Method, string Route, string Needs, string Expected, Func<Task<(string Path, HttpContent? Body)>> Request);

    private readonly Dictionary<string, string?> _keys = [];
    private string _notice = "", _subscription = "", _display = "";

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private async Task<string> CreateIdentityAsync(object identity)
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/identities", identity);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetProperty("key").GetString()!;
    }

    private async Task SetUpAsync()
    {
        _keys["anonymous"] = null;
        _keys["unknown key"] = "ak_not-a-key-of-this-hub";
        var expired = await CreateIdentityAsync(new { id = Unique("old"), name = "古いキー", role = "issuer", kind = "municipality", areaCode = "431001" });
        using (await hub.SendAsync(HttpMethod.Post, "/api/v1/me/keys", JsonContent.Create(new { retireCurrentAfterSeconds = 0 }), expired)) { }
        _keys["expired key"] = expired;
        _keys["熊本市 (issuer)"] = HubFixture.IssuerKey;
        _keys["札幌市 (issuer)"] = await CreateIdentityAsync(new { id = Unique("sapporo"), name = "札幌市", role = "issuer", kind = "municipality", areaCode = "011002" });
        _keys["熊本県 (prefecture)"] = await CreateIdentityAsync(new { id = Unique("pref"), name = "熊本県", role = "issuer", kind = "prefecture", areaCode = "43" });
        _keys["lifeline (九州)"] = await CreateIdentityAsync(new { id = Unique("power"), name = "九州電力送配電", role = "issuer", kind = "lifeline", areas = new[] { "40", "43" } });
        _keys["national"] = await CreateIdentityAsync(new { id = Unique("fdma"), name = "消防庁", role = "issuer", kind = "national" });
        var owner = Unique("tv");
        _keys["subscriber"] = await CreateIdentityAsync(new { id = owner, name = "RKK", role = "subscriber" });
        _keys["admin"] = HubFixture.AdminKey;
        _keys["field staff"] = await CreateIdentityAsync(new { id = Unique("field"), name = "熊本市 現地班", role = "field", areaCode = "431001" });

        using var subscription = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers",
            new { name = "RKK", kind = "broadcaster", url = hub.Sink.Url("matrix"), areaCodes = new[] { "43" }, ownerId = owner });
        _subscription = (await subscription.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        _display = await FreshDisplayAsync(owner);
        using var notice = await hub.PostCapAsync(Kumamoto(), contentType: NoticeXml);
        _notice = (await notice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private const string NoticeXml = "application/vnd.alert-hub.notice+xml";

    /// <summary>A general notice of 熊本市 (in scope for 熊本市, 熊本県 as 代行, the national body) and one of 札幌市.</summary>
    private static string Kumamoto() => IdentityTests.Native("general", "431001", "431010", Unique("k"));
    private static string Sapporo() => IdentityTests.Native("general", "011002", "011002", Unique("s"));
    private static string PowerCut() => IdentityTests.Native("lifeline", "431001", "431036", Unique("p"));

    private static StringContent Xml(string body) => new StringContent(body, Encoding.UTF8, NoticeXml);
    private static JsonContent Json(object body) => JsonContent.Create(body);
    private static Task<(string, HttpContent?)> At(string path, HttpContent? body = null) => Task.FromResult((path, body));

    private async Task<string> FreshSubscriberAsync()
    {
        var (id, _) = await hub.SubscribeAsync(["43"]);
        return id;
    }

    private async Task<string> FreshDisplayAsync(string? owner = null)
    {
        var id = Unique("sign");
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/displays", DisplayTests.CityHall(id, owner));
        response.EnsureSuccessStatusCode();
        return id;
    }

    /// <summary>A fresh report of 熊本市中央区 from its field staff, with a photo; verified by 熊本市's desk when asked.</summary>
    private async Task<string> FieldReportAsync(bool verified = false) => (await FieldReportWithPhotoAsync(verified)).Id;

    private async Task<string> FieldPhotoAsync() => (await FieldReportWithPhotoAsync(false)).Photo;

    private async Task<(string Id, string Photo)> FieldReportWithPhotoAsync(bool verified)
    {
        var report = await FieldReportsTests.PostAsync(hub, FieldReportsTests.Form("road-blocked", null, FieldReportsTests.Shirakawa, TestPhotos.Jpeg(16, 16)));
        var id = report.GetProperty("id").GetString()!;
        if (verified) (await hub.SendAsync(HttpMethod.Post, $"/api/v1/field-reports/{id}/verified", null, HubFixture.IssuerKey)).EnsureSuccessStatusCode();
        return (id, report.GetProperty("photos")[0].GetProperty("id").GetString()!);
    }

    private object Subscription => new { name = "RKK", kind = "broadcaster", url = hub.Sink.Url("matrix"), areaCodes = new[] { "43" } };

    //                                     anon  unkn  exp  熊本市 札幌市 熊本県 life  nat   sub   admin field
    private const string Public = "200 200 200 200 200 200 200 200 200 200 200";
    private static string Admin(int status) => $"401 401 401 403 403 403 403 403 403 {status} 403";
    private static string Issuers(int status) => $"401 401 401 {status} {status} {status} {status} {status} 403 403 403";

    private IEnumerable<Row> Rows() =>
    [
        new("POST", "/api/v1/notices", "issuer, in its scope", "401 401 401 202 403 202 403 202 403 403 403", () => At("/api/v1/notices", Xml(Kumamoto()))),
        new("POST", "/api/v1/notices", "issuer, in its scope (札幌市's notice)", "401 401 401 403 202 403 403 202 403 403 403", () => At("/api/v1/notices", Xml(Sapporo()))),
        new("POST", "/api/v1/notices", "issuer, in its scope (熊本市's power cut)", "401 401 401 202 403 202 202 202 403 403 403", () => At("/api/v1/notices", Xml(PowerCut()))),
        new("POST", "/api/v1/notices/validate", "issuer (its scope checked) or admin", "401 401 401 200 200 200 200 200 403 200 403", () => At("/api/v1/notices/validate", Xml(Kumamoto()))),
        new("POST", "/api/v1/notices/preview", "issuer (its scope checked)", "401 401 401 200 200 200 200 200 403 403 403", () => At("/api/v1/notices/preview", Xml(Kumamoto()))),
        new("GET", "/api/v1/notices/{id}", "its issuer, or admin", "401 401 401 200 404 404 404 404 403 200 403", () => At($"/api/v1/notices/{_notice}")),
        new("GET", "/api/v1/notices/{id}/revisions", "its issuer, or admin", "401 401 401 200 404 404 404 404 403 200 403", () => At($"/api/v1/notices/{_notice}/revisions")),
        new("GET", "/api/v1/notices/{id}/deliveries", "its issuer, or admin", "401 401 401 200 404 404 404 404 403 200 403", () => At($"/api/v1/notices/{_notice}/deliveries")),
        new("POST", "/api/v1/notices/{id}/deliveries/{subscriberId}/retry", "admin", Admin(404), () => At($"/api/v1/notices/{_notice}/deliveries/{_subscription}/retry")),
        new("GET", "/api/v1/notices/{id}/cap", "anyone (public)", Public, () => At($"/api/v1/notices/{_notice}/cap")),
        new("GET", "/api/v1/notices/{id}/revisions/{revision:int}/cap", "anyone (public)", Public, () => At($"/api/v1/notices/{_notice}/revisions/1/cap")),
        new("GET", "/api/v1/notices/{id}/revisions/{revision:int}/notice.xml", "anyone (public)", Public, () => At($"/api/v1/notices/{_notice}/revisions/1/notice.xml")),
        new("GET", "/api/v1/notices/{id}/revisions/{revision:int}/notice.json", "anyone (public)", Public, () => At($"/api/v1/notices/{_notice}/revisions/1/notice.json")),
        new("GET", "/api/v1/notices/{id}/area", "anyone (public)", Public, () => At($"/api/v1/notices/{_notice}/area")),

        new("POST", "/api/v1/subscribers/", "admin", Admin(201), () => At("/api/v1/subscribers", Json(Subscription))),
        new("GET", "/api/v1/subscribers/", "subscriber (its own) or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At("/api/v1/subscribers")),
        new("GET", "/api/v1/subscribers/{id}", "its subscriber, or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At($"/api/v1/subscribers/{_subscription}")),
        new("PUT", "/api/v1/subscribers/{id}", "its subscriber, or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At($"/api/v1/subscribers/{_subscription}", Json(Subscription))),
        new("POST", "/api/v1/subscribers/{id}/pause", "its subscriber, or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At($"/api/v1/subscribers/{_subscription}/pause")),
        new("POST", "/api/v1/subscribers/{id}/resume", "its subscriber, or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At($"/api/v1/subscribers/{_subscription}/resume")),
        new("POST", "/api/v1/subscribers/{id}/secret", "its subscriber, or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At($"/api/v1/subscribers/{_subscription}/secret")),
        new("GET", "/api/v1/subscribers/{id}", "its subscriber, or admin (someone else's)", "401 401 401 403 403 403 403 403 404 200 403", async () => ($"/api/v1/subscribers/{await FreshSubscriberAsync()}", null)),
        new("DELETE", "/api/v1/subscribers/{id}", "admin", Admin(204), async () => ($"/api/v1/subscribers/{await FreshSubscriberAsync()}", null)),

        new("POST", "/api/v1/displays/", "admin", Admin(201), () => At("/api/v1/displays", Json(DisplayTests.CityHall(Unique("sign"))))),
        new("GET", "/api/v1/displays/", "subscriber (its own) or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At("/api/v1/displays")),
        new("GET", "/api/v1/displays/{id}", "its subscriber, or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At($"/api/v1/displays/{_display}")),
        new("PUT", "/api/v1/displays/{id}", "its subscriber, or admin", "401 401 401 403 403 403 403 403 200 200 403", () => At($"/api/v1/displays/{_display}", Json(DisplayTests.CityHall(_display)))),
        new("GET", "/api/v1/displays/{id}", "its subscriber, or admin (someone else's)", "401 401 401 403 403 403 403 403 404 200 403", async () => ($"/api/v1/displays/{await FreshDisplayAsync()}", null)),
        new("DELETE", "/api/v1/displays/{id}", "admin", Admin(204), async () => ($"/api/v1/displays/{await FreshDisplayAsync()}", null)),
        new("GET", "/api/v1/signage/{deviceId}", "anyone (public)", Public, () => At($"/api/v1/signage/{_display}")),
        new("GET", "/signage/{deviceId:regex(^[A-Za-z0-9][A-Za-z0-9_-]{{0,63}}$)}", "anyone (public): the signage page", Public, () => At($"/signage/{_display}")),

        new("GET", "/api/v1/me/", "any key", "401 401 401 200 200 200 200 200 200 200 200", () => At("/api/v1/me")),
        new("POST", "/api/v1/me/keys", "any key (its own)", "401 401 401 201 201 201 201 201 201 201 201", () => At("/api/v1/me/keys", Json(new { label = "matrix" }))),
        new("GET", "/api/v1/admin/identities/", "admin", Admin(200), () => At("/api/v1/admin/identities")),
        new("POST", "/api/v1/admin/identities/", "admin", Admin(201), () => At("/api/v1/admin/identities", Json(new { id = Unique("new"), name = "新", role = "subscriber" }))),
        new("GET", "/api/v1/admin/identities/{id}", "admin", Admin(200), () => At($"/api/v1/admin/identities/{HubFixture.Issuer.Id}")),
        new("PUT", "/api/v1/admin/identities/{id}", "admin", Admin(200), () => At($"/api/v1/admin/identities/{HubFixture.Issuer.Id}",
            Json(new { name = HubFixture.Issuer.Name, role = "issuer", kind = "municipality", areaCode = "43100" }))),
        new("DELETE", "/api/v1/admin/identities/{id}", "admin", Admin(204), async () => ($"/api/v1/admin/identities/{await ThrowawayAsync()}", null)),
        new("POST", "/api/v1/admin/identities/{id}/keys", "admin", Admin(201), () => At($"/api/v1/admin/identities/{HubFixture.Issuer.Id}/keys", Json(new { label = "matrix" }))),
        new("DELETE", "/api/v1/admin/identities/{id}/keys/{keyId}", "admin", Admin(204), async () =>
        {
            var id = await ThrowawayAsync();
            using var keys = await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/admin/identities/{id}");
            var keyId = (await keys.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keys")[0].GetProperty("keyId").GetString();
            return ($"/api/v1/admin/identities/{id}/keys/{keyId}", null);
        }),

        new("GET", "/api/v1/admin/identities/{id}/certificates", "admin", Admin(200), () => At($"/api/v1/admin/identities/{HubFixture.Issuer.Id}/certificates")),
        new("POST", "/api/v1/admin/identities/{id}/certificates", "admin", Admin(201), () => At($"/api/v1/admin/identities/{HubFixture.Issuer.Id}/certificates", Pem())),
        new("DELETE", "/api/v1/admin/identities/{id}/certificates/{thumbprint}", "admin", Admin(404), () => At($"/api/v1/admin/identities/{HubFixture.Issuer.Id}/certificates/{new string('0', 64)}")),
        new("PUT", "/api/v1/admin/identities/{id}/signatures", "admin", Admin(200), async () => ($"/api/v1/admin/identities/{await ThrowawayAsync()}/signatures", Json(new { required = false }))),
        new("GET", "/api/v1/signatures/hub-certificate", "anyone (public; 404 while the hub signs nothing)", "404 404 404 404 404 404 404 404 404 404 404", () => At("/api/v1/signatures/hub-certificate")),
        new("GET", "/api/v1/notices/{id}/revisions/{revision:int}/source", "its issuer, or admin", "401 401 401 200 404 404 404 404 403 200 403", () => At($"/api/v1/notices/{_notice}/revisions/1/source")),

        new("GET", "/api/v1/admin/audit/", "admin", Admin(200), () => At("/api/v1/admin/audit")),
        new("GET", "/api/v1/admin/audit/verify", "admin", Admin(200), () => At("/api/v1/admin/audit/verify")),
        new("GET", "/api/v1/admin/errors/", "admin", Admin(200), () => At("/api/v1/admin/errors")),
        new("POST", "/api/v1/admin/errors/requeue", "admin", Admin(200), () => At("/api/v1/admin/errors/requeue")),

        new("GET", "/api/v1/alerts/", "anyone (public)", Public, () => At("/api/v1/alerts?code=431001")),
        new("GET", "/api/v1/shelters", "anyone (public)", Public, () => At("/api/v1/shelters?lat=32.8031&lng=130.7079")),
        new("GET", "/api/v1/phrases", "anyone (public)", Public, () => At("/api/v1/phrases")),
        new("GET", "/api/v1/layers/{code}/{layer}", "anyone (public)", Public, () => At("/api/v1/layers/431001/water-points")),

        new("GET", "/api/v1/stations/", "issuer (its own)", Issuers(200), () => At("/api/v1/stations")),
        new("PUT", "/api/v1/stations/{id}", "municipality or prefecture, in its area", "401 401 401 201 403 201 403 403 403 403 403",
            () => At($"/api/v1/stations/{SensorsTests.Station()}", Json(SensorsTests.Gauge("431010")))),
        new("DELETE", "/api/v1/stations/{id}", "its issuer", "401 401 401 204 404 404 404 404 403 403 403", async () =>
        {
            var id = SensorsTests.Station();
            await SensorsTests.RegisterAsync(hub, id);
            return ($"/api/v1/stations/{id}", null);
        }),
        new("POST", "/api/v1/observations/{stationId}", "the station's feed (its secret signs the body)", "401 401 401 401 401 401 401 401 401 401 401",
            () => At($"/api/v1/observations/{SensorsTests.Station()}", Json(new { value = 1.0, at = DateTimeOffset.UtcNow }))),
        new("GET", "/api/v1/drafts/", "issuer (its own)", Issuers(200), () => At("/api/v1/drafts")),
        new("POST", "/api/v1/drafts/{id}/issued", "its issuer", "401 401 401 200 404 404 404 404 403 403 403",
            async () => ($"/api/v1/drafts/{await SensorsTests.DraftAsync(hub)}/issued", Json(new { noticeId = "matrix" }))),
        new("POST", "/api/v1/drafts/{id}/dismissed", "its issuer", "401 401 401 200 404 404 404 404 403 403 403",
            async () => ($"/api/v1/drafts/{await SensorsTests.DraftAsync(hub)}/dismissed", null)),
        new("POST", "/api/v1/field-reports/", "field staff", "401 401 401 403 403 403 403 403 403 403 201",
            () => At("/api/v1/field-reports", FieldReportsTests.Form("road-blocked", "通行止め", FieldReportsTests.Shirakawa))),
        new("GET", "/api/v1/field-reports/", "a desk (those of its area) or field staff (their own)", "401 401 401 200 200 200 200 200 403 403 200", () => At("/api/v1/field-reports")),
        new("GET", "/api/v1/field-reports/{id}", "the desk of its place, or its reporter (another's report)", "401 401 401 200 404 200 404 404 403 403 404",
            async () => ($"/api/v1/field-reports/{await FieldReportAsync()}", null)),
        new("GET", "/api/v1/field-reports/photos/{photoId}", "the desk of its place, or its reporter (another's); anyone once verified", "404 404 404 200 404 200 404 404 404 404 404",
            async () => ($"/api/v1/field-reports/photos/{await FieldPhotoAsync()}", null)),
        new("POST", "/api/v1/field-reports/{id}/verified", "the desk of its place", "401 401 401 200 404 200 404 404 403 403 403",
            async () => ($"/api/v1/field-reports/{await FieldReportAsync()}/verified", null)),
        new("POST", "/api/v1/field-reports/{id}/rejected", "the desk of its place", "401 401 401 200 404 200 404 404 403 403 403",
            async () => ($"/api/v1/field-reports/{await FieldReportAsync()}/rejected", null)),
        new("POST", "/api/v1/field-reports/{id}/merged", "the desk of its place", "401 401 401 200 404 200 404 404 403 403 403",
            async () => ($"/api/v1/field-reports/{await FieldReportAsync()}/merged", Json(new { into = await FieldReportAsync() }))),
        new("POST", "/api/v1/field-reports/damage-notice", "the desk of its place (422: reports it cannot see)", "401 401 401 202 422 202 422 422 403 403 403",
            async () => ("/api/v1/field-reports/damage-notice", Json(new { reports = new[] { await FieldReportAsync(verified: true) } }))),
        new("GET", "/api/v1/areas/search", "anyone (public)", Public, () => At("/api/v1/areas/search?q=熊本")),
        new("GET", "/api/v1/areas/geocode", "anyone (public)", Public, () => At("/api/v1/areas/geocode?address=熊本市中央区水前寺6丁目")),
        new("GET", "/api/v1/areas/at", "anyone (public)", Public, () => At("/api/v1/areas/at?lat=32.79&lng=130.74")),
        new("GET", "/api/v1/areas/{code}", "anyone (public)", Public, () => At("/api/v1/areas/431001")),
        new("GET", "/api/v1/areas/{code}/towns", "anyone (public)", Public, () => At("/api/v1/areas/434434/towns")),
        new("GET", "/api/v1/areas/{code}/towns/{name}", "anyone (public)", Public, () => At("/api/v1/areas/431001/towns/出水一丁目")),
        new("GET", "/feeds/notices.atom", "anyone (public)", Public, () => At("/feeds/notices.atom")),
        new("GET", "/feeds/notices.json", "anyone (public)", Public, () => At("/feeds/notices.json")),
        new("GET", "/api/v1/stream/", "anyone (public)", Public, () => At("/api/v1/stream?codes=43")),
        new("GET", "/health/live", "anyone (public)", Public, () => At("/health/live")),
        new("GET", "/health/ready", "anyone (public)", Public, () => At("/health/ready")),
        new("GET", "/metrics", "anyone (public)", Public, () => At("/metrics")),
    ];

    /// <summary>A new self-signed certificate each time, so that each registration is a new one.</summary>
    private static StringContent Pem()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=matrix", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        return new StringContent(certificate.ExportCertificatePem(), Encoding.UTF8, "application/x-pem-file");
    }

    private async Task<string> ThrowawayAsync()
    {
        var id = Unique("gone");
        await CreateIdentityAsync(new { id, name = "一時", role = "subscriber" });
        return id;
    }

    private async Task<int> SendAsync(string method, string path, HttpContent? body, string? key)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body };
        if (key is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        // Headers are enough, and a stream never ends: read no body.
        using var response = await hub.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task Every_endpoint_answers_every_caller_as_the_matrix_says_and_the_docs_show_it()
    {
        await SetUpAsync();
        var wrong = new List<string>();
        var table = new StringBuilder();
        foreach (var row in Rows())
        {
            var expected = row.Expected.Split(' ');
            for (var i = 0; i < Callers.Length; i++)
            {
                var (path, body) = await row.Request();
                var status = await SendAsync(row.Method, path, body, _keys[Callers[i]]);
                if (status.ToString(System.Globalization.CultureInfo.InvariantCulture) != expected[i])
                    wrong.Add($"{row.Method} {path} as {Callers[i]}: {status}, expected {expected[i]}");
            }
            table.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"| `{row.Method} {row.Route.TrimEnd('/')}` | {row.Needs} | {string.Join(" | ", expected)} |");
        }
        wrong.ShouldBeEmpty();

        var markdown = $"""
            # Who may call what

            Every endpoint of the hub, the role it needs, and the status each kind of caller gets, as tested by
            `tests/Alert.Hub.Tests/AuthorizationMatrixTests.cs` (which fails when this page and the hub differ).
            "熊本市 (issuer)" is a municipality's desk; "札幌市 (issuer)" is another municipality's; 熊本県 is a prefecture,
            which issues for its municipalities as 代行; "lifeline" is an operator serving Fukuoka and Kumamoto; "national" a
            national body; "subscriber" owns one subscription. 404 to a caller who may use the endpoint but not that
            object: someone else's notice or subscription is answered as if it did not exist.

            | endpoint | needs | {string.Join(" | ", Callers)} |
            | --- | --- | {string.Join(" | ", Callers.Select(_ => "---"))} |
            {table.ToString().TrimEnd()}

            """;
        var docs = Path.Combine(RepositoryRoot(), "docs", "authorization.md");
        var current = File.Exists(docs) ? File.ReadAllText(docs) : "";
        if (current.ReplaceLineEndings("\n") != markdown.ReplaceLineEndings("\n"))
        {
            var fresh = Path.Combine(AppContext.BaseDirectory, "test-output", "authorization.md");
            Directory.CreateDirectory(Path.GetDirectoryName(fresh)!);
            File.WriteAllText(fresh, markdown);
            current.ShouldBe(markdown, $"docs/authorization.md is not what the matrix says: the matrix as tested is in {fresh}");
        }
    }

    [Fact]
    public void Every_endpoint_the_hub_maps_is_in_the_matrix()
    {
        var mapped = hub.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => $"{m} {e.RoutePattern.RawText?.TrimEnd('/')}"))
            .ToHashSet();
        var inMatrix = Rows().Select(r => $"{r.Method} {r.Route.TrimEnd('/')}").ToHashSet();
        mapped.Except(inMatrix).ShouldBeEmpty("endpoints that do not say whom they serve");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Alert.sln"))) return dir.FullName;
        throw new InvalidOperationException("Alert.sln not found above the test's directory");
    }
}

/// <summary>
/// The embedded hub with room for the matrix's sixty-odd unknown and expired keys from one address: the matrix tests
/// who may call what; how unknown keys are slowed is LimitsTests' to prove.
/// </summary>
public sealed class MatrixHub : EmbeddedHub
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Alert:RateLimits:UnknownKeys:Burst"] = "1000",
        // Every field report row posts a fresh report for each caller, all with one field staff key.
        ["Alert:RateLimits:Field:Burst"] = "1000",
    };
}
