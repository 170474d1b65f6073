using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Hub.Tests.Desk;
using Alert.Hub.Tests.Support;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace Alert.Hub.Tests.Resident;

/// <summary>
/// The resident page in a phone-sized headless Chromium against a real hub on 127.0.0.1: an order for one district
/// shows at a point inside it and not outside, goes at once on cancel, reads in the dictionary's languages, and the
/// last state stays on screen, dated, when the network is gone.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ResidentBrowserTests(ListeningHub hub, ITestOutputHelper output) : IClassFixture<ListeningHub>
{
    private Uri Hub => hub.Client.BaseAddress!;

    private static string At((double Lat, double Lng) p) => string.Create(CultureInfo.InvariantCulture, $"/resident/?lat={p.Lat}&lng={p.Lng}");

    private async Task<string> IssueAsync(string notice)
    {
        using var response = await hub.PostCapAsync(notice, contentType: ResidentNotices.Xml);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Opens the page at a point and waits until it has its answer and its stream.</summary>
    private static void Open(Browser browser, Uri hub, (double Lat, double Lng) at)
    {
        browser.Driver.Navigate().GoToUrl(new Uri(hub, At(at)));
        browser.Until(d => d.FindElement(By.Id("updated")).Text.Length > 0, "the first answer");
        // Headless Chromium says en-US whatever --lang says; the page would follow it. Japanese first, as in Japan.
        Choose(browser, "ja");
        browser.Until(d => d.FindElement(By.TagName("body")).GetAttribute("data-live") == "open", "the live stream");
    }

    /// <summary>How many times this test's order is on the page (other tests' notices may be there too).</summary>
    private static int Shown(IWebDriver d, string id) => d.FindElements(By.CssSelector($"#alerts .alert.level4[data-id='{id}']")).Count;

    /// <summary>Picks an option as a person would, so the page hears its change event.</summary>
    private static void Select(Browser browser, string id, string value) => browser.Js<object?>(
        "const s = document.getElementById(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true })); return null;", id, value);

    private static void Choose(Browser browser, string language)
    {
        Select(browser, "lang", language);
        browser.Until(d => d.FindElement(By.TagName("html")).GetAttribute("lang") == language, $"the page in {language}");
    }

    [Fact]
    public async Task Water_points_and_other_support_of_the_ward_are_listed_open_first_with_state_hours_and_distance()
    {
        var document = ResidentNotices.Unique("support");
        await IssueAsync(ResidentNotices.Support(document));
        using var browser = new Browser("resident", 412, 915);
        Open(browser, Hub, ResidentNotices.Inside);

        string[] ours = ["出水小学校 給水所", "出水 入浴支援", "熊本市役所 充電コーナー"];
        IWebElement[] Ours(IWebDriver d) => [.. d.FindElements(By.CssSelector("#support .support")).Where(e => ours.Contains(e.FindElement(By.ClassName("shelter-name")).Text))];
        browser.Until(d => Ours(d).Length == 3, "the ward's water point, bath and charging spot");
        var items = Ours(browser.Driver);
        items.Select(e => e.FindElement(By.ClassName("shelter-name")).Text).ShouldBe(ours); // open, then preparing, then closed
        items.Select(e => e.FindElement(By.ClassName("shelter-status")).Text).ShouldBe(["開設中", "準備中", "終了"]);
        items[0].FindElement(By.ClassName("support-kind")).Text.ShouldBe("給水所");
        items[0].FindElement(By.ClassName("support-hours")).Text.ShouldBe("時間 8:00〜20:00");
        items[0].FindElement(By.ClassName("shelter-distance")).Text.ShouldBe("約 422 m");
        browser.Driver.FindElements(By.CssSelector("#support .shelter-name")).Select(e => e.Text).ShouldNotContain("どこかの給水車"); // no coordinates
        // The same places on the small map, by name, with the resident's position and the ward's outline.
        browser.Until(d => d.FindElements(By.CssSelector("#near-map svg path.boundary")).Count == 1, "the ward's outline on the map");
        var marks = browser.Js<System.Collections.ObjectModel.ReadOnlyCollection<object>>(
            "return [...document.querySelectorAll('#near-map .mark')].map((m) => m.getAttribute('class') + '|' + m.textContent);").Cast<string>().ToList();
        marks.ShouldContain("mark water-points open|出水小学校 給水所");
        marks.ShouldContain("mark charging closed|熊本市役所 充電コーナー");
        marks.ShouldNotContain(m => m.EndsWith("|どこかの給水車", StringComparison.Ordinal));
        browser.Driver.FindElements(By.CssSelector("#near-map circle.here")).Count.ShouldBe(1);
        browser.Shot("05-support-ja");
        browser.Js<object>("document.getElementById('near-map').scrollIntoView(); return null;");
        browser.Shot("05-support-map");

        Choose(browser, "en");
        // Read inside the wait: the page draws at once in English and again when its fetch returns, and an item found in
        // the first drawing is gone (stale) in the second.
        browser.Until(d => Ours(d).FirstOrDefault()?.FindElement(By.ClassName("support-kind")).Text == "Water point"
            && Ours(d).Select(e => e.FindElement(By.ClassName("shelter-status")).Text).SequenceEqual(["Open", "Opening soon", "Closed"]),
            "the kinds and states in English");
        browser.Js<System.Collections.ObjectModel.ReadOnlyCollection<object>>(DeskBrowserTests.Unlabelled).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_order_shows_inside_its_district_only_reads_in_each_language_and_goes_at_once_on_cancel()
    {
        await IssueAsync(ResidentNotices.Shelters(ResidentNotices.Unique("shelters")));
        using var browser = new Browser("resident", 412, 915);
        Open(browser, Hub, ResidentNotices.Inside);
        browser.Until(d => d.FindElements(By.CssSelector("#shelters .shelter")).Count >= 2, "the shelters open or full");
        browser.Driver.FindElements(By.CssSelector("#shelters .shelter-name")).Select(e => e.Text).Take(2).ShouldBe(["出水小学校", "白川中学校"]);

        var document = ResidentNotices.Unique("order");
        var sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = await IssueAsync(ResidentNotices.Order(document));
        browser.Until(d => Shown(d, id) == 1, "the level 4 order on the page");
        var order = $"#alerts .alert.level4[data-id='{id}']";
        // A figure, not a check: the page stamps when it first drew the notice; the browser and the test share a clock.
        var shownAt = browser.Js<string>("return document.querySelector(arguments[0]).dataset.shownAt;", order);
        output.WriteLine($"order on the resident page {long.Parse(shownAt, CultureInfo.InvariantCulture) - sent} ms after it was sent");
        browser.Text($"{order} .badge").ShouldBe("4 避難指示");
        browser.Text($"{order} .instruction").ShouldBe(Core.Rendering.Phrases.Standard.Get("action.4", "ja"));
        browser.Js<string>($"return getComputedStyle(document.querySelector(\"[data-id='{id}']\")).borderLeftColor;").ShouldBe("rgb(122, 31, 143)");
        // A power cut for the whole ward goes in the lifelines list, not among the alerts.
        var cut = await IssueAsync(IdentityTests.Native("lifeline", "431001", "431010", ResidentNotices.Unique("power")));
        browser.Until(d => d.FindElements(By.CssSelector($"#lifelines [data-id='{cut}']")).Count == 1, "the power cut among lifelines");
        browser.Driver.FindElements(By.CssSelector($"#alerts [data-id='{cut}']")).ShouldBeEmpty();
        browser.Shot("01-order-ja");
        browser.Js<System.Collections.ObjectModel.ReadOnlyCollection<object>>(DeskBrowserTests.Unlabelled).ShouldBeEmpty();

        // Each language from the dictionary: the level, what to do, the shelter's state and hazards.
        foreach (var (language, level, open) in new[]
                 {
                     ("en", "Evacuation order", "Open"), ("vi", "Chỉ thị sơ tán", null), ("pt", "Ordem de evacuação", null),
                     ("ja-x-easy", "避難指示（ひなんしじ）", null), ("ko", "피난 지시", null), ("zh-Hans", "避难指示", null),
                 })
        {
            Choose(browser, language);
            browser.Until(d => d.FindElement(By.CssSelector($"[data-id='{id}'] .badge")).Text == $"4 {level}", $"the level in {language}");
            browser.Text($"[data-id='{id}'] .instruction").ShouldBe(Core.Rendering.Phrases.Standard.Get("action.4", language));
            browser.Text("#shelters .shelter .shelter-status").ShouldBe(Core.Rendering.Phrases.Standard.Get("shelter.open", language));
            if (open is not null) browser.Shot($"02-order-{language}");
        }
        Choose(browser, "ja");

        // Large text, high contrast and reading aloud.
        browser.ById("large").Click();
        browser.Js<bool>("return document.body.classList.contains('large');").ShouldBeTrue();
        browser.ById("large").GetAttribute("aria-pressed").ShouldBe("true");
        browser.ById("contrast").Click();
        browser.Js<bool>("return document.body.classList.contains('contrast');").ShouldBeTrue();
        browser.ById("speak").Click();
        (browser.ById("speak").GetAttribute("data-spoken") ?? "").ShouldContain(Core.Rendering.Phrases.Standard.Get("action.4", "ja"));
        browser.Shot("03-large-contrast");
        browser.ById("large").Click();
        browser.ById("contrast").Click();

        // The browser's own location, granted and set as a phone's GPS would give it.
        browser.Driver.ExecuteCdpCommand("Browser.grantPermissions", new() { ["permissions"] = new[] { "geolocation" } });
        browser.Driver.ExecuteCdpCommand("Emulation.setGeolocationOverride",
            new() { ["latitude"] = ResidentNotices.Inside.Lat, ["longitude"] = ResidentNotices.Inside.Lng, ["accuracy"] = 10 });
        Open(browser, Hub, ResidentNotices.Outside);
        browser.ById("locate").Click();
        browser.Until(d => d.FindElement(By.Id("place-name")).Text.StartsWith("現在地", StringComparison.Ordinal) && Shown(d, id) == 1, "the order where the browser is");
        new Uri(browser.Driver.Url).Query.ShouldContain("lat=32.788933");

        // 熊本市役所 is in the same ward but not in 出水一丁目: nothing applies there.
        Open(browser, Hub, ResidentNotices.Outside);
        browser.Until(d => d.FindElement(By.Id("place-name")).Text.Contains("中央区", StringComparison.Ordinal), "the answer outside");
        Shown(browser.Driver, id).ShouldBe(0);

        Open(browser, Hub, ResidentNotices.Inside);
        browser.Until(d => Shown(d, id) == 1, "the order again inside");
        await IssueAsync(ResidentNotices.Cancel(document));
        browser.Until(d => Shown(d, id) == 0, "the cancelled order gone");
    }

    [Fact]
    public async Task Saved_places_come_back_and_offline_the_last_state_stays_dated_until_the_network_returns()
    {
        var document = ResidentNotices.Unique("order");
        var id = await IssueAsync(ResidentNotices.Order(document));
        await using var network = await Network.StartAsync(Hub);
        using var browser = new Browser("resident", 412, 915);
        Open(browser, network.Url, ResidentNotices.Inside);
        browser.Until(d => Shown(d, id) == 1, "the order");
        // The page is installed for offline use: its service worker controls it.
        browser.Until(d => browser.Js<bool>("return !!navigator.serviceWorker.controller;"), "the service worker");

        // Saved as the parents' home, then found again by name after another place was looked at.
        Select(browser, "save-label", "family");
        browser.ById("save").Click();
        browser.Until(d => d.FindElements(By.CssSelector("#saved .go")).Count == 1, "the saved place");
        browser.ById("search").SendKeys("熊本市中央区手取本町" + Keys.Enter);
        browser.Until(d => d.FindElement(By.Id("place-name")).Text.Contains("手取本町", StringComparison.Ordinal), "the searched town");
        // The chips are drawn anew with every answer the page gets: found and clicked again if one was replaced meanwhile.
        browser.Until(d =>
        {
            d.FindElement(By.CssSelector("#saved .go")).Click();
            return true;
        }, "the saved place clicked");
        browser.Until(d => Shown(d, id) == 1, "the order at the saved place");

        network.Cut();
        browser.Driver.Navigate().Refresh();
        browser.Until(d => d.FindElement(By.Id("offline")).Displayed, "the offline notice");
        browser.ById("offline").Text.ShouldMatch(@"\d\d:\d\d 時点の情報");
        Shown(browser.Driver, id).ShouldBe(1); // the last known state, not an empty page
        browser.Shot("04-offline");

        network.Restore();
        browser.Until(d => !d.FindElement(By.Id("offline")).Displayed, "the page live again", seconds: 60);
        await IssueAsync(ResidentNotices.Cancel(document));
        browser.Until(d => Shown(d, id) == 0, "the cancel after reconnecting");
    }
}
