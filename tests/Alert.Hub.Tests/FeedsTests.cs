using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Alert.Core.Cap;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// The pull feeds transmitters poll: selection by area, category and mode, Atom and JSON Feed over the same entries,
/// cancels that take the content down, and validators that answer an unchanged poll with 304.
/// </summary>
public class FeedsTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Hub = "urn:alert-hub:feed:1";

    private static CapAlert Order(string code = "431001", string status = "Actual", string msgType = "Alert", CapReference? replaces = null) =>
        CapWriter.EvacuationOrder($"feeds-{Guid.NewGuid():N}", code, "熊本市", DateTimeOffset.Now, msgType, replaces, status);

    private async Task<string> IssueAsync(string body, string contentType = "application/cap+xml")
    {
        using var response = await hub.PostCapAsync(body, contentType: contentType);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, receipt.ToString());
        return receipt.GetProperty("id").GetString()!;
    }

    private Task<string> IssueAsync(CapAlert alert) => IssueAsync(CapWriter.Write(alert));

    /// <summary>A native example with its own documentId, so every test issues a new document.</summary>
    private static string Native(string example) =>
        Example(example).Replace("<documentId>", $"<documentId>{Guid.NewGuid():N}-", StringComparison.Ordinal);

    private static string Example(string example) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", example));

    /// <summary>
    /// The native example (evacuation.xml, or cancel.xml of its revision 2) as document <paramref name="key"/> at
    /// <paramref name="revision"/>, in force until tomorrow.
    /// </summary>
    internal static string NativeRevision(string example, string key, int revision) =>
        Example(example)
            .Replace("431001-2026-0042", key, StringComparison.Ordinal)
            .Replace("<revision>2</revision>", $"<revision>{revision}</revision>", StringComparison.Ordinal)
            .Replace("2026-07-02T03:00:00+09:00", DateTimeOffset.Now.AddDays(1).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private async Task<List<XElement>> EntriesAsync(string query = "")
    {
        using var response = await hub.Client.GetAsync("/feeds/notices.atom" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/atom+xml");
        return XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Elements(Atom + "entry").ToList();
    }

    private static XElement? Entry(List<XElement> entries, string id) => entries.SingleOrDefault(e => e.Element(Hub + "document")!.Value == id);

    private async Task<List<string>> IdsAsync(string query) => (await EntriesAsync(query)).Select(e => e.Element(Hub + "document")!.Value).ToList();

    [Fact]
    public async Task A_city_notice_is_in_its_prefecture_and_city_feeds_with_or_without_check_digit_but_not_in_another_prefecture()
    {
        var id = await IssueAsync(Order("431001")); // 熊本市

        (await IdsAsync("?code=43")).ShouldContain(id);
        (await IdsAsync("?code=431001")).ShouldContain(id);
        (await IdsAsync("?code=43100")).ShouldContain(id);
        (await IdsAsync("?code=431010")).ShouldContain(id);   // 中央区: the city's notice covers its wards
        (await IdsAsync("?code=13")).ShouldNotContain(id);    // 東京都
        (await IdsAsync("?code=434434")).ShouldNotContain(id); // 益城町, next door
        (await IdsAsync("?code=13&code=43")).ShouldContain(id); // several codes: any of them

        var entry = Entry(await EntriesAsync("?code=43"), id).ShouldNotBeNull();
        entry.Element(Hub + "revision")!.Value.ShouldBe("1");
        entry.Element(Hub + "msgType")!.Value.ShouldBe("Alert");
        entry.Element(Hub + "category")!.Value.ShouldBe("other"); // CAP from outside names no category of the hub's
        entry.Element(Hub + "sent")!.Value.ShouldEndWith("+09:00");
        var area = entry.Element(Hub + "area").ShouldNotBeNull();
        area.Attribute("code")!.Value.ShouldBe("431001");
        area.Value.ShouldBe("熊本県熊本市");
        var links = entry.Elements(Atom + "link").ToList();
        links.ShouldHaveSingleItem().Attribute("href")!.Value.ShouldEndWith($"/api/v1/notices/{id}/revisions/1/cap"); // no native form
    }

    [Fact]
    public async Task Categories_select_notices_and_native_ones_link_their_native_forms()
    {
        var shelters = await IssueAsync(Native("shelters.xml"), "application/vnd.alert-hub.notice+xml");
        var hq = await IssueAsync(Native("disaster-hq.xml"), "application/vnd.alert-hub.notice+xml");
        var order = await IssueAsync(Order());

        var ids = await IdsAsync("?category=shelters");
        ids.ShouldContain(shelters);
        ids.ShouldNotContain(hq);
        ids.ShouldNotContain(order);
        (await IdsAsync("?category=disaster-hq&code=431001")).ShouldBe([hq], ignoreOrder: true);
        (await IdsAsync("?category=disaster-hq&code=13")).ShouldBeEmpty();
        ids = await IdsAsync("?category=shelters&category=other");
        ids.ShouldContain(shelters);
        ids.ShouldContain(order);
        ids.ShouldNotContain(hq);

        var entry = Entry(await EntriesAsync("?category=shelters"), shelters).ShouldNotBeNull();
        entry.Elements(Atom + "category").Select(c => c.Attribute("term")!.Value).ShouldBe(["shelters", "Alert"]);
        var links = entry.Elements(Atom + "link").ToDictionary(l => l.Attribute("type")!.Value, l => new Uri(l.Attribute("href")!.Value).PathAndQuery);
        links.Keys.ShouldBe(["application/cap+xml", "application/vnd.alert-hub.notice+xml", "application/vnd.alert-hub.notice+json"]);
        foreach (var (type, path) in links)
        {
            using var response = await hub.Client.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            response.Content.Headers.ContentType!.MediaType.ShouldBe(type);
            (await response.Content.ReadAsStringAsync()).ShouldContain("出水小学校");
        }
    }

    [Fact]
    public async Task The_JSON_feed_lists_the_same_entries_with_their_fields()
    {
        var id = await IssueAsync(Native("shelters.xml"), "application/vnd.alert-hub.notice+xml");

        using var response = await hub.Client.GetAsync("/feeds/notices.json?code=431001&category=shelters");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/feed+json");
        var feed = await response.Content.ReadFromJsonAsync<JsonElement>();
        feed.GetProperty("version").GetString().ShouldBe("https://jsonfeed.org/version/1.1");
        feed.GetProperty("feed_url").GetString().ShouldEndWith("/feeds/notices.json?code=431001&category=shelters");
        var item = feed.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("_alert_hub").GetProperty("document").GetString() == id);
        item.GetProperty("url").GetString().ShouldEndWith($"/api/v1/notices/{id}/revisions/1/cap");
        item.GetProperty("title").GetString().ShouldBe("熊本市 避難所情報（開設 1 か所）");
        item.GetProperty("date_published").GetString().ShouldBe("2026-07-01T03:10:00+09:00");
        item.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("mime_type").GetString())
            .ShouldBe(["application/cap+xml", "application/vnd.alert-hub.notice+xml", "application/vnd.alert-hub.notice+json"]);
        var fields = item.GetProperty("_alert_hub");
        fields.GetProperty("revision").GetInt32().ShouldBe(1);
        fields.GetProperty("msg_type").GetString().ShouldBe("Alert");
        fields.GetProperty("status").GetString().ShouldBe("Actual");
        fields.GetProperty("category").GetString().ShouldBe("shelters");
        fields.GetProperty("cancelled").GetBoolean().ShouldBeFalse();
        var area = fields.GetProperty("areas").EnumerateArray().ShouldHaveSingleItem();
        area.GetProperty("code").GetString().ShouldBe("431010");
        area.GetProperty("name").GetString().ShouldBe("熊本県熊本市中央区");
    }

    [Fact]
    public async Task An_unchanged_feed_is_answered_304_on_either_validator_and_a_new_notice_changes_it()
    {
        // 北海道: nothing here is issued for it, so its feed last changed long enough ago to carry Last-Modified.
        using var first = await hub.Client.GetAsync("/feeds/notices.atom?code=01");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var etag = first.Headers.ETag.ShouldNotBeNull();
        etag.IsWeak.ShouldBeFalse();
        var lastModified = first.Content.Headers.LastModified.ShouldNotBeNull();
        first.Headers.CacheControl!.MaxAge.ShouldBe(TimeSpan.FromSeconds(10));

        using var byTag = await GetAsync("/feeds/notices.atom?code=01", r => r.Headers.IfNoneMatch.Add(etag));
        byTag.StatusCode.ShouldBe(HttpStatusCode.NotModified);
        (await byTag.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
        byTag.Headers.ETag.ShouldBe(etag);
        using var byDate = await GetAsync("/feeds/notices.atom?code=01", r => r.Headers.IfModifiedSince = lastModified);
        byDate.StatusCode.ShouldBe(HttpStatusCode.NotModified);
        (await byDate.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();

        // All of Japan, with a notice issued since: both validators now get the new feed.
        using var all = await hub.Client.GetAsync("/feeds/notices.atom");
        var allTag = all.Headers.ETag.ShouldNotBeNull();
        using var same = await GetAsync("/feeds/notices.atom", r => r.Headers.IfNoneMatch.Add(allTag));
        same.StatusCode.ShouldBe(HttpStatusCode.NotModified);
        var before = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var id = await IssueAsync(Order());
        using var changed = await GetAsync("/feeds/notices.atom", r => r.Headers.IfNoneMatch.Add(allTag));
        changed.StatusCode.ShouldBe(HttpStatusCode.OK);
        changed.Headers.ETag.ShouldNotBe(allTag);
        (await changed.Content.ReadAsStringAsync()).ShouldContain(id);
        using var sinceThen = await GetAsync("/feeds/notices.atom", r => r.Headers.IfModifiedSince = before);
        sinceThen.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await sinceThen.Content.ReadAsStringAsync()).ShouldContain(id);
    }

    [Fact]
    public async Task A_cancel_shows_as_a_cancel_entry_and_the_withdrawn_content_is_gone()
    {
        var order = Order("431028"); // 東区
        var id = await IssueAsync(order);
        Entry(await EntriesAsync("?code=431028"), id).ShouldNotBeNull().Element(Atom + "title")!.Value.ShouldStartWith("【警戒レベル4】");

        await IssueAsync(Order("431028", msgType: "Cancel", replaces: new CapReference(order.Sender, order.Identifier, CapWriter.Time(order.Sent))));

        foreach (var query in new[] { "?code=431028", "?code=43&category=other", "" })
        {
            var entry = Entry(await EntriesAsync(query), id).ShouldNotBeNull(query);
            entry.Element(Atom + "title")!.Value.ShouldStartWith("【取消】");
            entry.Element(Hub + "revision")!.Value.ShouldBe("2");
            entry.Element(Hub + "msgType")!.Value.ShouldBe("Cancel");
            entry.Element(Hub + "area")!.Attribute("code")!.Value.ShouldBe("431028"); // where to take it down
            entry.ToString().ShouldNotContain("避難指示");                             // but not what it said
        }
        var json = await hub.Client.GetStringAsync("/feeds/notices.json?code=431028");
        var item = JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("_alert_hub").GetProperty("document").GetString() == id);
        item.GetProperty("_alert_hub").GetProperty("cancelled").GetBoolean().ShouldBeTrue();
        item.ToString().ShouldNotContain("避難指示");
        using var old = await hub.Client.GetAsync($"/api/v1/notices/{id}/revisions/1/cap");
        old.StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task A_cancel_stays_in_the_feed_of_an_area_only_an_earlier_revision_than_the_last_covered()
    {
        var order = Order("431028"); // 東区
        var id = await IssueAsync(order);
        var narrowed = Order("431010", msgType: "Update", replaces: new CapReference(order.Sender, order.Identifier, CapWriter.Time(order.Sent))); // 中央区 only
        await IssueAsync(narrowed);
        // The cancel keeps the areas of the update it follows: 東区's pollers, who may have missed the update, must still see it.
        await IssueAsync(Order("431010", msgType: "Cancel", replaces: new CapReference(narrowed.Sender, narrowed.Identifier, CapWriter.Time(narrowed.Sent))));

        var entry = Entry(await EntriesAsync("?code=431028"), id).ShouldNotBeNull();
        entry.Element(Hub + "revision")!.Value.ShouldBe("3");
        entry.Element(Hub + "msgType")!.Value.ShouldBe("Cancel");
        entry.Element(Atom + "title")!.Value.ShouldStartWith("【取消】");
        (await IdsAsync("?code=434434")).ShouldNotContain(id); // 益城町: never covered
    }

    [Fact]
    public async Task A_cancel_whose_revision_number_skips_some_is_filed_under_what_it_withdraws()
    {
        // Revision numbers only grow, and an issuer's system may skip some: the cancel withdraws revision 1.
        var key = $"{Guid.NewGuid():N}";
        var id = await IssueAsync(NativeRevision("evacuation.xml", key, 1), "application/vnd.alert-hub.notice+xml");
        (await IssueAsync(NativeRevision("cancel.xml", key, 5), "application/vnd.alert-hub.notice+xml")).ShouldBe(id);

        var entry = Entry(await EntriesAsync("?code=431010&category=evacuation"), id).ShouldNotBeNull();
        entry.Element(Hub + "revision")!.Value.ShouldBe("5");
        entry.Element(Hub + "msgType")!.Value.ShouldBe("Cancel");
        using var json = await hub.Client.GetAsync("/feeds/notices.json?code=431010");
        json.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Exercise_notices_are_only_in_the_exercise_feed()
    {
        var exercise = await IssueAsync(Order(status: "Exercise"));
        var actual = await IssueAsync(Order());

        var ids = await IdsAsync("?status=Exercise");
        ids.ShouldContain(exercise);
        ids.ShouldNotContain(actual);
        Entry(await EntriesAsync("?status=exercise&code=43"), exercise).ShouldNotBeNull().Element(Hub + "status")!.Value.ShouldBe("Exercise");
        (await IdsAsync("")).ShouldNotContain(exercise);
        (await IdsAsync("?status=Test")).ShouldNotContain(exercise);
    }

    [Fact]
    public async Task Bad_parameters_are_refused_with_every_problem_listed()
    {
        foreach (var path in new[] { "/feeds/notices.atom", "/feeds/notices.json" })
        {
            using var response = await hub.Client.GetAsync(path + "?code=431002&code=43999&category=weather&status=Live&code=43");

            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("code").GetString().ShouldBe("request.invalid");
            problem.GetProperty("titleJa").GetString().ShouldNotBeNullOrWhiteSpace();
            var errors = problem.GetProperty("errors").EnumerateArray().ToList();
            errors.Select(e => e.GetProperty("code").GetString())
                .ShouldBe(["request.query.status", "code.check-digit", "code.unknown", "request.query.category"], ignoreOrder: true);
            errors.ShouldAllBe(e => e.GetProperty("ja").GetString()!.Length > 0 && e.GetProperty("en").GetString()!.Length > 0);
        }
    }

    private async Task<HttpResponseMessage> GetAsync(string path, Action<HttpRequestMessage> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        headers(request);
        var response = await hub.Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
