using System.Net;
using Alert.Hub.Tests.Support;
using OpenQA.Selenium;

namespace Alert.Hub.Tests.Desk;

/// <summary>
/// A signage display in a real browser against a real hub on 127.0.0.1: its own content in peacetime, disaster mode
/// in the level's colour when an order covers its point, peacetime again at once when the order is cancelled, and a
/// stale marker while the network is gone. The hub's heartbeat is one second here, so silence is noticed in three.
/// </summary>
[Trait("Category", "Browser")]
public sealed class SignageBrowserTests(SignageHub hub) : IClassFixture<SignageHub>
{
    private const string NoticeXml = "application/vnd.alert-hub.notice+xml";

    private Uri Hub => hub.Client.BaseAddress!;

    private async Task<string> RegisterAsync()
    {
        var id = $"lobby-{Guid.NewGuid():N}"[..20];
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/displays", new
        {
            id, name = "熊本市役所 1階ロビー", location = new { lat = 32.8031, lng = 130.7079 }, minLevel = 3,
            peacetime = new { message = "ようこそ熊本市役所へ。\nWelcome to Kumamoto City Hall." }, languages = new[] { "ja", "en" },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return id;
    }

    private Browser Open(string display, Uri? through = null)
    {
        var browser = new Browser("signage", 1280, 720);
        browser.Driver.Navigate().GoToUrl(new Uri(through ?? Hub, $"/signage/{display}?rotate=1"));
        browser.Until(d => d.FindElement(By.TagName("body")).GetAttribute("data-mode") == "peacetime", "peacetime");
        return browser;
    }

    private static string Mode(IWebDriver d) => d.FindElement(By.TagName("body")).GetAttribute("data-mode") ?? "";

    [Fact]
    public async Task A_display_flips_to_disaster_mode_when_an_order_covers_it_and_back_when_it_is_cancelled()
    {
        var display = await RegisterAsync();
        using var browser = Open(display);
        browser.Until(d => d.FindElement(By.Id("clock")).Text.Contains(':', StringComparison.Ordinal), "the clock");
        browser.ById("message").Text.ShouldContain("Welcome to Kumamoto City Hall.");
        browser.Shot("01-peacetime");

        // Shelters open nearby, then a level 4 evacuation order for 熊本市中央区, where the display stands.
        using (var shelters = await hub.PostCapAsync(Resident.ResidentNotices.Shelters(Resident.ResidentNotices.Unique("shelters")), contentType: NoticeXml))
            shelters.StatusCode.ShouldBe(HttpStatusCode.Accepted, await shelters.Content.ReadAsStringAsync());
        var document = $"sign-{Guid.NewGuid():N}"[..20];
        using (var issued = await hub.PostCapAsync(IdentityTests.Native("evacuation", "431001", "431010", document), contentType: NoticeXml))
            issued.StatusCode.ShouldBe(HttpStatusCode.Accepted, await issued.Content.ReadAsStringAsync());

        browser.Until(d => Mode(d) == "disaster", "disaster mode");
        browser.ById("level-number").Text.ShouldBe("4");
        browser.ById("area").Text.ShouldBe("熊本県熊本市中央区");
        browser.Js<string>("return document.body.dataset.level;").ShouldBe("4");
        // The nearest open one: 熊本市役所 itself is closed, 出水小学校 open 3.2 km away.
        browser.Until(d => d.FindElement(By.Id("shelter-name")).Text == "出水小学校", "the nearest open shelter");
        browser.ById("shelter-distance").Text.ShouldBe("3.2 km");
        // The level's colour fills the screen, the same pair as the desk's, and its text meets WCAG AA.
        var background = browser.Js<string>("return getComputedStyle(document.documentElement).getPropertyValue('--level4-bg').trim();");
        var foreground = browser.Js<string>("return getComputedStyle(document.documentElement).getPropertyValue('--level4-fg').trim();");
        browser.Js<string>("return getComputedStyle(document.body).backgroundColor;").ShouldBe(Rgb(background));
        browser.Js<string>("return getComputedStyle(document.body).color;").ShouldBe(Rgb(foreground));
        DeskBrowserTests.Contrast(foreground, background).ShouldBeGreaterThanOrEqualTo(4.5);
        // Languages turn, the level named from the hub's phrase dictionary.
        // The language and the level's name are read in one script: the page turns them together, and two reads could
        // fall either side of a turn.
        var shown = "";
        string Shown() => browser.Js<string>("return document.getElementById('language-name').textContent + ' | ' + document.getElementById('level-name').textContent;");
        browser.Until(_ => (shown = Shown()).StartsWith("日本語", StringComparison.Ordinal), "Japanese");
        shown.ShouldContain("| 避難指示");
        browser.Shot("02-disaster");
        browser.Until(_ => (shown = Shown()).StartsWith("English", StringComparison.Ordinal), "English");
        shown.ShouldContain("| Evacuation order");
        browser.Shot("03-disaster-en");

        using (var cancelled = await hub.PostCapAsync(Cancel(document), contentType: NoticeXml))
            cancelled.StatusCode.ShouldBe(HttpStatusCode.Accepted, await cancelled.Content.ReadAsStringAsync());
        browser.Until(d => Mode(d) == "peacetime", "peacetime after the cancel");
        browser.ById("message").Displayed.ShouldBeTrue();
        browser.Shot("04-peacetime-again");
    }

    [Fact]
    public async Task A_display_that_loses_the_network_keeps_its_screen_marks_it_stale_and_recovers_by_itself()
    {
        var display = await RegisterAsync();
        await using var network = await Network.StartAsync(Hub);
        using var browser = Open(display, network.Url);
        browser.ById("stale").Displayed.ShouldBeFalse();

        network.Cut();
        browser.Until(d => d.FindElement(By.Id("stale")).Displayed, "the stale marker");
        browser.ById("stale").Text.ShouldMatch(@"stale since \d\d:\d\d");
        Mode(browser.Driver).ShouldBe("peacetime"); // the last state stays on screen
        browser.Shot("05-stale");

        network.Restore();
        browser.Until(d => !d.FindElement(By.Id("stale")).Displayed, "the marker to clear on reconnecting", seconds: 60);
    }

    /// <summary>Revision 2 of a native notice, cancelling it.</summary>
    private static string Cancel(string document) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <notice xmlns="urn:alert-hub:notice:1" version="1.0">
          <envelope>
            <documentId>{document}</documentId><revision>2</revision><issuer code="431001">熊本市</issuer>
            <mode>Actual</mode><kind>Cancel</kind><reason>対象地区を誤って発表したため取り消します。</reason>
            <sent>{DateTimeOffset.Now:yyyy-MM-ddTHH:mm:sszzz}</sent>
            <areas><area code="431010"/></areas>
          </envelope>
        </notice>
        """;

    /// <summary>#rrggbb as getComputedStyle writes it.</summary>
    private static string Rgb(string hex)
    {
        var value = Convert.FromHexString(hex.TrimStart('#'));
        return $"rgb({value[0]}, {value[1]}, {value[2]})";
    }
}

/// <summary>The embedded default on 127.0.0.1 with a heartbeat every second, so a display notices silence quickly.</summary>
public sealed class SignageHub : EmbeddedHub
{
    protected override bool OnKestrel => true;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings) { ["Alert:Streams:Heartbeat"] = "00:00:01" };
}
