using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// Identities and their keys (made, listed without the key, rotated, revoked, expired, disabled) and what each kind
/// of issuer may speak for: a prefecture only as 代行 for evacuation, a lifeline operator only lifeline notices in its
/// service area, a national body anything but evacuation. Subscribers see their own subscriptions only.
/// </summary>
public abstract class IdentityTests(HubFixture hub)
{
    private const string NoticeXml = "application/vnd.alert-hub.notice+xml";

    /// <summary>Creates an identity through the admin API; answers its first key.</summary>
    private async Task<string> CreateAsync(object identity)
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/identities", identity);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetProperty("key").GetString()!;
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    /// <summary>A native notice with one body: an evacuation district, a lifeline status or a general text.</summary>
    public static string Native(string body, string issuerCode, string areaCode, string documentId)
    {
        var content = body switch
        {
            "evacuation" => $"""
                <evacuation><district><areaCode>{areaCode}</areaCode><level>4</level><disasterType>flood</disasterType></district></evacuation>
                """,
            "lifeline" => $"""
                <lifeline><status><kind>power</kind><state>outage</state><area code="{areaCode}"/><at>2026-07-01T06:00:00+09:00</at></status></lifeline>
                """,
            _ => "<general><title>お知らせ</title><text>給水所を開設しました。</text></general>",
        };
        return $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <notice xmlns="urn:alert-hub:notice:1" version="1.0">
              <envelope>
                <documentId>{documentId}</documentId><revision>1</revision><issuer code="{issuerCode}">発信者</issuer>
                <mode>Actual</mode><kind>Issue</kind><sent>{DateTimeOffset.Now:yyyy-MM-ddTHH:mm:sszzz}</sent>
                <areas><area code="{areaCode}"/></areas>
              </envelope>
              {content}
            </notice>
            """;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> IssueAsync(string key, string body, string issuerCode, string areaCode)
    {
        using var response = await hub.PostCapAsync(Native(body, issuerCode, areaCode, Unique("doc")), key: key, contentType: NoticeXml);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static string Code(JsonElement problem) => problem.GetProperty("code").GetString()!;

    private static IEnumerable<string> Codes(JsonElement problem) => problem.GetProperty("errors").EnumerateArray().Select(Code);

    [Fact]
    public async Task A_key_is_shown_once_rotated_with_a_grace_period_revoked_and_ends_with_its_identity()
    {
        var id = Unique("desk");
        var first = await CreateAsync(new { id, name = "熊本市 危機管理防災課", role = "issuer", kind = "municipality", areaCode = "431001", key = new { label = "desk pc" } });
        (await IssueAsync(first, "general", "431001", "431010")).Status.ShouldBe(HttpStatusCode.Accepted);

        // Listed with its id and label, never the key.
        using (var listed = await hub.SendAsync(HttpMethod.Get, "/api/v1/me", null, first))
        {
            var me = await listed.Content.ReadFromJsonAsync<JsonElement>();
            me.GetProperty("kind").GetString().ShouldBe("municipality");
            me.GetProperty("keys").EnumerateArray().ShouldHaveSingleItem().GetProperty("label").GetString().ShouldBe("desk pc");
            (await listed.Content.ReadAsStringAsync()).ShouldNotContain(first);
        }

        // Rotation: a new key at once; the old one keeps working for the grace period, here none.
        using var rotated = await hub.SendAsync(HttpMethod.Post, "/api/v1/me/keys", JsonContent.Create(new { label = "new", retireCurrentAfterSeconds = 0 }), first);
        rotated.StatusCode.ShouldBe(HttpStatusCode.Created);
        var second = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using (var old = await hub.SendAsync(HttpMethod.Get, "/api/v1/me", null, first))
        {
            old.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            Code(await old.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe("auth.key-expired");
        }
        (await IssueAsync(second, "general", "431001", "431010")).Status.ShouldBe(HttpStatusCode.Accepted);

        // A rotation with the default grace leaves the current key working.
        using var graced = await hub.SendAsync(HttpMethod.Post, "/api/v1/me/keys", JsonContent.Create(new { label = "third" }), second);
        var third = (await graced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        (await hub.SendAsync(HttpMethod.Get, "/api/v1/me", null, second)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Revoked by an admin: refused at once, like a key never made.
        using var keys = await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/admin/identities/{id}");
        var secondId = (await keys.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keys").EnumerateArray()
            .Single(k => k.GetProperty("label").GetString() == "new").GetProperty("keyId").GetString();
        (await hub.SendAsAdminAsync(HttpMethod.Delete, $"/api/v1/admin/identities/{id}/keys/{secondId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using (var revoked = await hub.SendAsync(HttpMethod.Get, "/api/v1/me", null, second))
            Code(await revoked.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe("auth.required");

        // Disabled: every key ends; the identity stays, for its notices and the audit log.
        (await hub.SendAsAdminAsync(HttpMethod.Delete, $"/api/v1/admin/identities/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await hub.SendAsync(HttpMethod.Get, "/api/v1/me", null, third)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/admin/identities/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_restart_replaces_the_start_up_key_and_keeps_keys_made_through_the_api()
    {
        using var created = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/identities/admin/keys", new { label = "second admin" });
        var second = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;

        await hub.RestartAsync();

        (await hub.SendAsync(HttpMethod.Get, "/api/v1/me", null, second)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var keys = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/admin/identities/admin");
        (await keys.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("keys").EnumerateArray()
            .Count(k => k.GetProperty("label").GetString() == "start-up").ShouldBe(1);
    }

    [Fact]
    public async Task An_identity_with_every_field_wrong_is_refused_with_every_problem_and_not_made()
    {
        var tooLong = new string('x', 101);
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/identities",
            new { id = "Bad Id!", name = tooLong, role = "issuer", kind = "lifeline", areaCode = "431001", areas = new[] { "99999" } });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Codes(problem).ShouldBe(["identity.id", "identity.name", "identity.area", "code.unknown"], ignoreOrder: true);
        problem.GetProperty("errors").EnumerateArray().ShouldAllBe(e => e.GetProperty("ja").GetString()!.Length > 0 && e.GetProperty("en").GetString()!.Length > 0);

        using var prefecture = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/identities",
            new { id = Unique("pref"), name = "県", role = "issuer", kind = "prefecture", areaCode = "431001" });
        Codes(await prefecture.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe(["identity.area"]);
        using var admin = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/identities",
            new { id = Unique("ops"), name = "運用", role = "admin", areaCode = "43" });
        Codes(await admin.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe(["identity.kind"]);
        // Field staff report to a desk: without its area a report with no position would belong nowhere.
        using var field = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/identities",
            new { id = Unique("field"), name = "現地班", role = "field", kind = "municipality" });
        Codes(await field.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe(["identity.area", "identity.kind"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_prefecture_issues_evacuation_only_as_proxy_for_one_of_its_municipalities_and_the_notice_says_so()
    {
        var key = await CreateAsync(new { id = Unique("pref"), name = "熊本県", role = "issuer", kind = "prefecture", areaCode = "430005" });

        var (status, receipt) = await IssueAsync(key, "evacuation", "431001", "431010");
        status.ShouldBe(HttpStatusCode.Accepted);
        receipt.GetProperty("proxyFor").GetString().ShouldBe("431001");
        using (var stored = await hub.SendAsync(HttpMethod.Get, $"/api/v1/notices/{receipt.GetProperty("id").GetString()}", null, key))
            (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revisions")[0].GetProperty("proxyFor").GetString().ShouldBe("431001");

        // As itself, evacuation is refused; other notices are its own to issue, across the prefecture.
        var (asItself, refused) = await IssueAsync(key, "evacuation", "430005", "432024");
        asItself.ShouldBe(HttpStatusCode.Forbidden);
        Code(refused).ShouldBe("notice.proxy.required");
        var (general, own) = await IssueAsync(key, "general", "430005", "432024");
        general.ShouldBe(HttpStatusCode.Accepted);
        own.TryGetProperty("proxyFor", out _).ShouldBeFalse();

        // As 代行 for 熊本市 it speaks for 熊本市 only; another prefecture's town is no one's it may name.
        var (elsewhere, outside) = await IssueAsync(key, "evacuation", "431001", "432024");
        elsewhere.ShouldBe(HttpStatusCode.Forbidden);
        Codes(outside).ShouldBe(["notice.out-of-scope"]);
        var (sapporo, mismatch) = await IssueAsync(key, "evacuation", "011002", "011002");
        sapporo.ShouldBe(HttpStatusCode.Forbidden);
        Codes(mismatch).ShouldContain("notice.issuer.mismatch");

        // CAP names whom it speaks for in the query.
        var cap = CapWriter.Write(CapWriter.EvacuationOrder(Unique("cap"), "431001", "熊本市", DateTimeOffset.Now, sender: "bousai@pref.kumamoto.example"));
        using var withoutProxy = await hub.PostCapAsync(cap, key: key);
        Code(await withoutProxy.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe("notice.proxy.required");
        using var asProxy = await hub.PostCapAsync(cap, key: key, path: "/api/v1/notices?issuerCode=431001");
        asProxy.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await asProxy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proxyFor").GetString().ShouldBe("431001");
    }

    [Fact]
    public async Task A_prefecture_that_reuses_a_documentId_for_another_municipality_is_told_so_and_nothing_is_stored()
    {
        var key = await CreateAsync(new { id = Unique("pref"), name = "熊本県", role = "issuer", kind = "prefecture", areaCode = "430005" });
        var document = Unique("doc");
        using var first = await hub.PostCapAsync(Native("evacuation", "431001", "431010", document), key: key, contentType: NoticeXml);
        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        // The same documentId as 代行 for another municipality: another sender, so not a repeat of the first.
        using var second = await hub.PostCapAsync(Native("evacuation", "432024", "432024", document), key: key, contentType: NoticeXml);
        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
        Code(problem).ShouldBe("notice.document-id.taken");
        problem.GetProperty("errors")[0].GetProperty("path").GetString().ShouldBe("/notice/envelope/documentId");

        // The first still stands as it was, and the second left nothing.
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var stored = await hub.SendAsync(HttpMethod.Get, $"/api/v1/notices/{id}", null, key);
        (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revisions").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task A_lifeline_operator_issues_lifeline_notices_in_its_service_area_only()
    {
        var key = await CreateAsync(new { id = Unique("power"), name = "九州電力送配電", role = "issuer", kind = "lifeline", areas = new[] { "43", "40" } });

        (await IssueAsync(key, "lifeline", "431001", "431036")).Status.ShouldBe(HttpStatusCode.Accepted);
        (await IssueAsync(key, "lifeline", "401005", "401307")).Status.ShouldBe(HttpStatusCode.Accepted);
        var (general, notLifeline) = await IssueAsync(key, "general", "431001", "431036");
        general.ShouldBe(HttpStatusCode.Forbidden);
        Codes(notLifeline).ShouldBe(["notice.category.not-allowed"]);
        var (sapporo, outside) = await IssueAsync(key, "lifeline", "011002", "011002");
        sapporo.ShouldBe(HttpStatusCode.Forbidden);
        Codes(outside).ShouldBe(["notice.issuer.mismatch", "notice.out-of-scope"]);
    }

    [Fact]
    public async Task A_national_body_issues_anywhere_but_never_evacuation_information()
    {
        var key = await CreateAsync(new { id = Unique("fdma"), name = "消防庁", role = "issuer", kind = "national" });

        (await IssueAsync(key, "general", "011002", "011002")).Status.ShouldBe(HttpStatusCode.Accepted);
        (await IssueAsync(key, "general", "431001", "431010")).Status.ShouldBe(HttpStatusCode.Accepted);
        var (evacuation, refused) = await IssueAsync(key, "evacuation", "431001", "431010");
        evacuation.ShouldBe(HttpStatusCode.Forbidden);
        Codes(refused).ShouldBe(["notice.category.not-allowed"]);
    }

    [Fact]
    public async Task A_subscriber_identity_sees_and_changes_its_own_subscriptions_only()
    {
        var owner = Unique("tv");
        var key = await CreateAsync(new { id = owner, name = "RKK", role = "subscriber" });
        using var created = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers",
            new { name = "RKK data broadcasting", kind = "broadcaster", url = hub.Sink.Url("rkk"), areaCodes = new[] { "43" }, ownerId = owner });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var mine = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var (other, _) = await hub.SubscribeAsync(["43"]);

        using var list = await hub.SendAsync(HttpMethod.Get, "/api/v1/subscribers", null, key);
        (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(s => s.GetProperty("id").GetString()).ShouldBe([mine]);
        (await hub.SendAsync(HttpMethod.Get, $"/api/v1/subscribers/{other}", null, key)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hub.SendAsync(HttpMethod.Post, $"/api/v1/subscribers/{other}/pause", null, key)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hub.SendAsync(HttpMethod.Post, $"/api/v1/subscribers/{mine}/pause", null, key)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var secret = await hub.SendAsync(HttpMethod.Post, $"/api/v1/subscribers/{mine}/secret", null, key);
        (await secret.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString().ShouldNotBeNullOrEmpty();

        // Making, removing and handing over subscriptions stay an admin's; so does issuing.
        (await hub.SendAsync(HttpMethod.Delete, $"/api/v1/subscribers/{mine}", null, key)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var handOver = await hub.SendAsync(HttpMethod.Put, $"/api/v1/subscribers/{mine}",
            JsonContent.Create(new { name = "RKK", kind = "broadcaster", url = hub.Sink.Url("rkk"), areaCodes = new[] { "43" }, ownerId = "admin" }), key);
        Codes(await handOver.Content.ReadFromJsonAsync<JsonElement>()).ShouldBe(["subscriber.owner"]);
        (await IssueAsync(key, "general", "431001", "431010")).Status.ShouldBe(HttpStatusCode.Forbidden);
    }
}

public sealed class EmbeddedIdentityTests(EmbeddedHub hub) : IdentityTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresIdentityTests(RabbitPostgresHub hub) : IdentityTests(hub);
