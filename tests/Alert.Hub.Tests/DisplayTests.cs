using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// The register of signage displays: admins create and delete, a subscriber identity reads and changes its own and
/// sees no others, every wrong setting is told at once, and the page's public read gives the municipality at the
/// display's point.
/// </summary>
public abstract class DisplayTests(HubFixture hub)
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    /// <summary>A display at 熊本市役所 (熊本市中央区).</summary>
    public static object CityHall(string id, string? ownerId = null) => new
    {
        id, name = "熊本市役所 ロビー", location = new { lat = 32.8031, lng = 130.7079 }, minLevel = 4,
        peacetime = new { message = "ようこそ" }, ownerId,
    };

    private async Task<string> SubscriberKeyAsync(string id)
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/identities", new { id, name = "サイネージ運営", role = "subscriber" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetProperty("key").GetString()!;
    }

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(status, body.ToString());
        return body;
    }

    [Fact]
    public async Task An_admin_registers_a_display_its_owner_changes_it_others_do_not_see_it_and_the_page_reads_it()
    {
        var owner = Unique("signco");
        var ownerKey = await SubscriberKeyAsync(owner);
        var otherKey = await SubscriberKeyAsync(Unique("other"));
        var id = Unique("lobby");

        using (var created = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/displays", CityHall(id, owner)))
        {
            var display = await BodyAsync(created, HttpStatusCode.Created);
            created.Headers.Location!.ToString().ShouldBe($"/api/v1/displays/{id}");
            display.GetProperty("minLevel").GetInt32().ShouldBe(4);
            display.GetProperty("status").GetString().ShouldBe("Actual");
            display.GetProperty("languages").EnumerateArray().Select(l => l.GetString()).ShouldBe(["ja", "ja-x-easy", "en", "zh-Hans", "ko", "vi", "pt"]);
        }
        using (var again = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/displays", CityHall(id)))
            (await BodyAsync(again, HttpStatusCode.Conflict)).GetProperty("code").GetString().ShouldBe("display.id.taken");

        // The owner reads and changes it; it cannot create one, nor give it away.
        using (var mine = await hub.SendAsync(HttpMethod.Get, "/api/v1/displays", null, ownerKey))
            (await BodyAsync(mine, HttpStatusCode.OK)).EnumerateArray().Select(d => d.GetProperty("id").GetString()).ShouldBe([id]);
        using (var changed = await hub.SendAsync(HttpMethod.Put, $"/api/v1/displays/{id}", JsonContent.Create(new
        {
            name = "熊本市役所 正面", location = new { lat = 32.8031, lng = 130.7079 }, minLevel = 3, languages = new[] { "ja", "en-GB" },
            status = "Exercise", peacetime = new { url = "https://signage.example/lobby" },
        }), ownerKey))
        {
            var display = await BodyAsync(changed, HttpStatusCode.OK);
            display.GetProperty("name").GetString().ShouldBe("熊本市役所 正面");
            display.GetProperty("languages").EnumerateArray().Select(l => l.GetString()).ShouldBe(["ja", "en"]);
            display.GetProperty("ownerId").GetString().ShouldBe(owner);
        }
        using (var created = await hub.SendAsync(HttpMethod.Post, "/api/v1/displays", JsonContent.Create(CityHall(Unique("own"))), ownerKey))
            created.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var giveAway = await hub.SendAsync(HttpMethod.Put, $"/api/v1/displays/{id}", JsonContent.Create(CityHall(id, "admin")), ownerKey))
            (await BodyAsync(giveAway, HttpStatusCode.UnprocessableEntity)).GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("display.owner.invalid");

        // Someone else's is answered as if it did not exist.
        using (var theirs = await hub.SendAsync(HttpMethod.Get, $"/api/v1/displays/{id}", null, otherKey))
            (await BodyAsync(theirs, HttpStatusCode.NotFound)).GetProperty("code").GetString().ShouldBe("display.not-found");
        using (var none = await hub.SendAsync(HttpMethod.Get, "/api/v1/displays", null, otherKey))
            (await BodyAsync(none, HttpStatusCode.OK)).GetArrayLength().ShouldBe(0);

        // The page's read: public, with the ward at its point (check digit) and how long silence may last.
        var page = await hub.Client.GetFromJsonAsync<JsonElement>($"/api/v1/signage/{id}");
        page.GetProperty("area").GetProperty("code").GetString().ShouldBe("431010");
        page.GetProperty("area").GetProperty("name").GetString().ShouldBe("熊本県熊本市中央区");
        page.GetProperty("location").GetProperty("lat").GetDouble().ShouldBe(32.8031);
        page.GetProperty("minLevel").GetInt32().ShouldBe(3);
        page.GetProperty("status").GetString().ShouldBe("Exercise");
        page.GetProperty("peacetime").GetProperty("url").GetString().ShouldBe("https://signage.example/lobby");
        page.GetProperty("staleAfterSeconds").GetInt32().ShouldBeGreaterThan(0);

        using (var deleted = await hub.SendAsAdminAsync(HttpMethod.Delete, $"/api/v1/displays/{id}"))
            deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var gone = await hub.Client.GetAsync($"/api/v1/signage/{id}");
        (await BodyAsync(gone, HttpStatusCode.NotFound)).GetProperty("code").GetString().ShouldBe("display.not-found");
    }

    [Fact]
    public async Task Every_wrong_setting_is_told_at_once_with_its_path()
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/displays", new
        {
            id = "lobby.1", name = "", location = new { lat = 33.0, lng = 135.0 }, minLevel = 2, // off the Kii peninsula: at sea
            peacetime = new { url = "ftp://signage.example/" }, languages = new[] { "fr" }, status = "Draft",
        });

        var problem = await BodyAsync(response, HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        problem.GetProperty("code").GetString().ShouldBe("display.invalid");
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => (e.GetProperty("code").GetString(), e.GetProperty("path").GetString())).ShouldBe(
        [
            ("display.id.invalid", "$.id"), ("display.name.invalid", "$.name"), ("display.location.invalid", "$.location"),
            ("display.min-level.invalid", "$.minLevel"), ("display.peacetime.url.invalid", "$.peacetime.url"),
            ("display.language.invalid", "$.languages[0]"), ("display.status.invalid", "$.status"),
        ]);
        errors.ShouldAllBe(e => e.GetProperty("ja").GetString()!.Length > 0 && e.GetProperty("en").GetString()!.Length > 0);

        using var abroad = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/displays", new { id = Unique("seoul"), name = "Seoul", location = new { lat = 37.5665, lng = 126.978 } });
        (await BodyAsync(abroad, HttpStatusCode.UnprocessableEntity)).GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("display.location.invalid");
        using var malformed = await hub.SendAsync(HttpMethod.Post, "/api/v1/displays", new StringContent("{\"id\":", System.Text.Encoding.UTF8, "application/json"), HubFixture.AdminKey);
        (await BodyAsync(malformed, HttpStatusCode.BadRequest)).GetProperty("code").GetString().ShouldBe("request.json");
    }
}

public sealed class EmbeddedDisplayTests(EmbeddedHub hub) : DisplayTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresDisplayTests(RabbitPostgresHub hub) : DisplayTests(hub);

/// <summary>The embedded default with its samples: the demo display is there, once, however often the hub starts.</summary>
public sealed class SampleDisplayTests(SampleHub hub) : IClassFixture<SampleHub>
{
    [Fact]
    public async Task The_embedded_default_registers_the_demo_display_at_city_hall_once()
    {
        await hub.RestartAsync();
        var demo = await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/signage/demo");
        demo.GetProperty("area").GetProperty("code").GetString().ShouldBe("431010"); // 熊本市中央区
        demo.GetProperty("minLevel").GetInt32().ShouldBe(3);
        demo.GetProperty("peacetime").GetProperty("message").GetString()!.ShouldContain("Welcome");
        using var list = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/displays");
        (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Count(d => d.GetProperty("id").GetString() == "demo").ShouldBe(1);
        using var page = await hub.Client.GetAsync("/signage/demo");
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        (await page.Content.ReadAsStringAsync()).ShouldContain("/signage/signage.js");
    }
}

public sealed class SampleHub : EmbeddedHub
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings) { ["Alert:Samples"] = "true" };
}
