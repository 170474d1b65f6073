using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Hub.Tests.Support;
using OpenQA.Selenium;

namespace Alert.Hub.Tests.Desk;

/// <summary>
/// The disaster desk in a real browser against a real hub on 127.0.0.1, delivering to a real webhook receiver: what an
/// official does at the desk, end to end, and the accessibility basics.
/// </summary>
[Trait("Category", "Browser")]
public sealed class DeskBrowserTests(ListeningHub hub) : IClassFixture<ListeningHub>
{
    private Uri Hub => hub.Client.BaseAddress!;

    private static By Cell(string name) => By.CssSelector($"#map .cell[aria-label='{name}']");

    [Fact]
    public async Task An_official_issues_by_clicking_districts_corrects_an_error_sees_it_delivered_updates_and_cancels()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        using var browser = new Browser();
        browser.Driver.Navigate().GoToUrl(new Uri(Hub, "/desk"));
        browser.Visible("key");
        browser.Shot("01-sign-in");
        browser.SignIn(Hub, HubFixture.IssuerKey);

        // Two districts by clicking the map; the second's persons wrong on purpose.
        browser.Driver.FindElement(Cell("河内町大多尾")).Click();
        browser.Driver.FindElement(Cell("河内町野出")).Click();
        browser.Driver.FindElement(Cell("河内町野出")).GetAttribute("aria-pressed").ShouldBe("true");
        browser.ById("d0-households").SendKeys("40");
        browser.ById("d0-persons").SendKeys("95");
        browser.ById("d1-households").SendKeys("22");
        browser.ById("d1-persons").SendKeys("51");
        browser.ById("totals").Text.ShouldBe("合計 62 世帯・146 人");
        browser.Shot("02-issue-form");
        browser.ById("d1-persons").Clear();
        browser.ById("d1-persons").SendKeys("-5"); // mistyped

        browser.ById("send").Click();
        var error = browser.Visible("d1-error");
        error.Text.ShouldContain("0 以上");
        browser.ById("d1-persons").GetAttribute("aria-invalid").ShouldBe("true");
        browser.ById("d1-persons").GetAttribute("aria-describedby").ShouldBe("d1-error");
        browser.ById("error-summary").Text.ShouldContain("0 以上");
        browser.Shot("03-validation-error");

        browser.ById("d1-persons").Clear();
        browser.ById("d1-persons").SendKeys("51");
        browser.ById("preview").Click();
        browser.Visible("preview-panel");
        browser.ById("pv-body").Text.ShouldContain("<language>en-US</language>");
        var renderings = new Dictionary<string, string> { ["pv-json"] = "\"persons\": 51", ["pv-text"] = "【警戒レベル4】避難指示（洪水）", ["pv-en"] = "[Level 4] Evacuation order (flood)" };
        foreach (var (tab, expected) in renderings)
        {
            browser.ById(tab).Click();
            browser.Until(d => d.FindElement(By.Id("pv-body")).Text.Contains(expected, StringComparison.Ordinal), $"the {tab} rendering");
        }
        browser.ById("pv-text").Click();
        browser.Shot("04-preview");

        browser.ById("send").Click();
        browser.Visible("notice");
        var id = browser.Js<string>("return document.getElementById('notice-title').textContent.split(' ').pop();");
        browser.Until(d => d.FindElements(By.CssSelector($"#active [data-id='{id}']")).Count == 1, "the notice in the active list");
        browser.Until(d => d.FindElements(By.CssSelector("#deliveries tr[data-state=delivered][data-revision='1']")).Count == 1, "配信済み for revision 1");
        browser.ById("deliveries").Text.ShouldContain("配信済み");
        (await hub.Sink.WaitForDocumentAsync(hook, id)).Body.ShouldContain("河内町野出");
        browser.Shot("05-deliveries");

        // One click to update: the notice comes back into the form as revision 2, raised to level 5.
        browser.ById("do-update").Click();
        browser.Visible("order").FindElement(By.Id("order-title")).Text.ShouldContain("更新");
        browser.Driver.FindElement(By.CssSelector("label.level[data-level='5']")).Click();
        browser.ById("send").Click();
        browser.Until(d => d.FindElements(By.CssSelector("#deliveries tr[data-state=delivered][data-revision='2']")).Count == 1, "revision 2 delivered");
        browser.ById("notice-status").GetAttribute("data-level").ShouldBe("5");
        (await hub.Sink.WaitForAsync(hook, r => r.Any(x => x.Body.Contains("緊急安全確保", StringComparison.Ordinal)))).ShouldNotBeEmpty();

        // Cancel: the confirmation names who will be told, and a reason is required.
        browser.ById("do-cancel").Click();
        browser.Visible("cancel-dialog");
        var subscriber = browser.ById("cancel-who").Text;
        subscriber.ShouldContain($"test {hook[..6]}");
        browser.ById("cancel-confirm").Click();
        browser.Visible("cancel-reason-error").Text.ShouldBe("理由を入力してください。");
        browser.ById("cancel-reason").SendKeys("対象地区を誤って発表したため取り消します。");
        browser.Shot("06-cancel-confirmation");
        browser.ById("cancel-confirm").Click();
        browser.Until(d => d.FindElement(By.Id("notice-status")).GetAttribute("data-state") == "cancelled", "the notice to show cancelled");
        browser.Until(d => d.FindElements(By.CssSelector($"#active [data-id='{id}']")).Count == 0, "the notice to leave the active list");
        (await hub.Sink.WaitForAsync(hook, r => r.Any(x => x.Body.Contains("<msgType>Cancel</msgType>", StringComparison.Ordinal)))).ShouldNotBeEmpty();
        browser.Until(d => d.FindElements(By.CssSelector("#deliveries tr[data-state=delivered][data-revision='3']")).Count == 1, "the cancel delivered");
        subscriberId.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void Every_control_is_labelled_the_level_colours_meet_WCAG_AA_and_an_exercise_is_issued_by_keyboard_alone()
    {
        using var browser = new Browser();
        browser.Driver.Navigate().GoToUrl(new Uri(Hub, "/desk"));
        // The key field has the focus: type and press Enter, no mouse.
        browser.Visible("key");
        browser.Press(HubFixture.IssuerKey + Keys.Enter);
        browser.Until(d => d.FindElements(By.CssSelector("#map .cell")).Count > 100, "the map's town cells");

        // Every control has an accessible name (label, aria-label or aria-labelledby), hidden boards included, in both languages.
        browser.Js<System.Collections.ObjectModel.ReadOnlyCollection<object>>(Unlabelled).ShouldBeEmpty();
        browser.ById("language").Click();
        browser.Until(d => d.FindElement(By.TagName("h1")).Text == "Disaster desk", "the English page");
        browser.Js<System.Collections.ObjectModel.ReadOnlyCollection<object>>(Unlabelled).ShouldBeEmpty();
        browser.ById("language").Click();
        browser.Until(d => d.FindElement(By.TagName("h1")).Text == "災害情報デスク", "the Japanese page again");

        // Level colours: white (or the set foreground) on each level's background meets AA (4.5:1).
        foreach (var level in new[] { 3, 4, 5 })
        {
            var background = browser.Js<string>($"return getComputedStyle(document.documentElement).getPropertyValue('--level{level}-bg');");
            var foreground = browser.Js<string>($"return getComputedStyle(document.documentElement).getPropertyValue('--level{level}-fg');");
            Contrast(foreground, background).ShouldBeGreaterThanOrEqualTo(4.5, $"level {level}: {foreground} on {background}");
        }

        // Exercise mode by Space on the switch; the banner cannot be missed.
        browser.TabTo("el.id === 'exercise'");
        browser.Press(" ");
        browser.Visible("exercise-banner").Text.ShouldContain("訓練");
        browser.Js<string>("return document.getElementById('exercise-banner').getAttribute('role');").ShouldBe("alert");

        // A district typed with completion, a second toggled on the map with the arrow keys and Space, level 3, send.
        browser.TabTo("el.id === 'district-search'");
        browser.Press("出水一丁目" + Keys.Enter);
        browser.Until(d => d.FindElements(By.Id("d0-persons")).Count == 1, "the typed district in the list");
        browser.TabTo("el.classList.contains('cell')");
        browser.Press(Keys.ArrowRight);
        browser.Press(" ");
        browser.Until(d => d.FindElements(By.Id("d1-persons")).Count == 1, "the district toggled from the map");
        browser.TabTo("el.name === 'level'");
        browser.Press(Keys.ArrowLeft); // radios move with the arrows: 4 → 3
        browser.Js<string>("return document.querySelector('input[name=level]:checked').value;").ShouldBe("3");
        browser.Shot("07-exercise-banner");
        browser.TabTo("el.id === 'send'");
        browser.Press(Keys.Enter);

        browser.Visible("notice");
        browser.Until(d => d.FindElement(By.Id("notice-status")).Text.Contains("高齢者等避難", StringComparison.Ordinal), "the sent notice's title");
        var id = browser.Js<string>("return document.getElementById('notice-title').textContent.split(' ').pop();");
        browser.Until(d => d.FindElements(By.CssSelector($"#active [data-id='{id}']")).Count == 1, "the exercise among the exercises in force");

        // On a tablet held upright the columns stack; the banner stays.
        browser.Driver.Manage().Window.Size = new System.Drawing.Size(820, 1180);
        browser.ById("exercise-banner").Displayed.ShouldBeTrue();
        browser.Shot("09-tablet-exercise-notice");
    }

    [Fact]
    public void The_shelters_board_opens_a_shelter_with_errors_beside_their_fields_and_reports_bad_sheet_rows_by_line()
    {
        using var browser = new Browser();
        browser.SignIn(Hub, HubFixture.IssuerKey);
        browser.ById("tab-shelters").Click();
        browser.Visible("panel-shelters");

        // A shelter without a name is refused, the error beside the name.
        browser.ById("shelter-add").Click();
        browser.ById("s0-present").SendKeys("35");
        browser.ById("s0-capacity").SendKeys("200");
        browser.ById("shelters-send").Click();
        browser.Visible("s0-error");
        browser.ById("s0-name").GetAttribute("aria-invalid").ShouldBe("true");
        browser.ById("s0-name").SendKeys("熊本市立出水小学校");
        browser.ById("shelters-send").Click();
        browser.Until(d => d.FindElement(By.Id("notice-status")).Text.Contains("避難所", StringComparison.Ordinal), "the shelters notice sent");
        var id = browser.Js<string>("return document.getElementById('notice-title').textContent.split(' ').pop();");

        // Back on the board, the open notice is the one edited: a sheet with a bad row is refused, the line named.
        browser.ById("tab-shelters").Click();
        browser.Until(d => d.FindElement(By.Id("s0-name")).GetAttribute("value") == "熊本市立出水小学校", "the board to load the shelter sent");
        var sheet = Path.Combine(Path.GetTempPath(), $"shelter-status-{Guid.NewGuid():N}.csv");
        File.WriteAllText(sheet, "避難所ID,状況,避難者数,収容人数,更新日時\nP4310000001,開設,12,100,2026-07-01 03:00\nP4310000002,開設,-4,50,2026-07-01 03:00\n");
        try
        {
            browser.ById("csv-file").SendKeys(sheet);
            browser.ById("csv-send").Click();
            browser.Until(d => d.FindElement(By.Id("csv-errors")).Text.Contains("3 行目", StringComparison.Ordinal), "the bad row's line");
            browser.Shot("08-shelters-sheet-errors");
        }
        finally
        {
            File.Delete(sheet);
        }
        id.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task The_map_shows_the_places_and_shelters_in_force_and_counts_them_in_words()
    {
        using (var response = await hub.PostCapAsync(Resident.ResidentNotices.Support(Resident.ResidentNotices.Unique("desk-support")),
                   contentType: Resident.ResidentNotices.Xml))
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        using var browser = new Browser();
        browser.SignIn(Hub, HubFixture.IssuerKey);

        browser.Until(d => d.FindElements(By.CssSelector("#map .place.water-points")).Count >= 1
            && d.FindElements(By.CssSelector("#map .place.charging.closed")).Count >= 1
            && d.FindElements(By.CssSelector("#map .place.baths.preparing")).Count >= 1, "the water point, the closed charging spot and the bath on the map");
        // The markers stay out of the way of the districts' clicks, and are told in words beside the map.
        browser.Js<string>("return getComputedStyle(document.querySelector('#map .places')).pointerEvents;").ShouldBe("none");
        var water = browser.Driver.FindElement(By.CssSelector("#map-layers li.water-points"));
        int.Parse(water.GetAttribute("data-count")!, CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(1);
        water.Text.ShouldStartWith("給水所 ");
        // The notice in force says what it is in words, not the model's category name.
        browser.Until(d => d.FindElements(By.CssSelector("#active .badge")).Any(b => b.Text == "お知らせ"), "the general notice called お知らせ");
        browser.Shot("10-map-places");
        // Found again: the list is drawn anew with every refresh, so the element read above may be gone.
        var before = int.Parse(browser.Driver.FindElement(By.CssSelector("#map-layers li.water-points")).GetAttribute("data-count")!, CultureInfo.InvariantCulture);

        // The official adds a water point to a general notice by its address; the hub places it and it joins the map.
        var name = $"給水車 {Guid.NewGuid():N}"[..12];
        browser.ById("tab-other").Click();
        browser.Visible("general-title-field").SendKeys("給水車の巡回");
        browser.ById("general-text").SendKeys("出水地区に給水車が来ます。");
        browser.ById("place-add").Click();
        browser.ById("p0-name").SendKeys(name);
        browser.ById("p0-address").SendKeys("熊本市中央区出水2丁目7-1");
        browser.ById("p0-hours").SendKeys("10:00〜16:00");
        browser.Js<object?>("const s = document.getElementById('p0-state'); s.value = 'preparing'; s.dispatchEvent(new Event('change')); return null;");
        browser.ById("general-send").Click();
        await HubFixture.Eventually(async () => (await hub.Client.GetStringAsync("/api/v1/layers/431010/water-points")).Contains(name, StringComparison.Ordinal),
            "the new water point on the ward's layer");
        browser.ById("tab-evacuation").Click();
        browser.Until(d => int.Parse(d.FindElement(By.CssSelector("#map-layers li.water-points")).GetAttribute("data-count")!, CultureInfo.InvariantCulture) > before,
            "one more water point on the map");
    }

    [Fact]
    public async Task A_gauges_draft_waits_for_the_official_who_starts_from_it_chooses_districts_and_issues()
    {
        var draft = await SensorsTests.DraftAsync(hub); // 白川's gauge over 氾濫危険水位: level 4
        using var browser = new Browser();
        browser.SignIn(Hub, HubFixture.IssuerKey);

        var item = browser.Until(d => d.FindElements(By.CssSelector($"#drafts li[data-id='{draft}']")).FirstOrDefault(), "the draft beside the map")!;
        item.Text.ShouldContain("警戒レベル4 相当");
        browser.ById("drafts-card").Text.ShouldContain("自動では発令されません");
        browser.Shot("11-sensor-draft");
        item.FindElement(By.ClassName("draft-use")).Click();
        browser.Js<string>("return document.querySelector('input[name=level]:checked').value;").ShouldBe("4");
        browser.ById("disaster-type").GetAttribute("value").ShouldBe("flood");

        // Nothing went out by itself; the official picks the district and sends.
        browser.Driver.FindElement(Cell("河内町白浜")).Click();
        browser.ById("send").Click();
        browser.Visible("notice");
        var id = browser.Js<string>("return document.getElementById('notice-title').textContent.split(' ').pop();");
        await HubFixture.Eventually(async () =>
        {
            using var all = await hub.SendAsync(HttpMethod.Get, "/api/v1/drafts?state=all", null, HubFixture.IssuerKey);
            var mine = (await all.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Single(d => d.GetProperty("id").GetString() == draft);
            return mine.GetProperty("state").GetString() == "issued" && mine.GetProperty("noticeId").GetString() == id;
        }, "the draft marked issued with the notice sent");
        browser.Until(d => d.FindElements(By.CssSelector($"#drafts li[data-id='{draft}']")).Count == 0, "the draft gone from the list");
    }

    [Fact]
    public async Task A_report_with_a_photo_sent_from_a_phone_appears_on_the_desk_map_and_goes_out_as_a_damage_notice_once_verified()
    {
        await FieldReportsTests.AddFieldAsync(hub);
        var photo = Path.Combine(Path.GetTempPath(), $"IMG_{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(photo, TestPhotos.Jpeg(640, 480, FieldReportsTests.Shirakawa));
        string id;
        try
        {
            using var phone = new Browser("field", 390, 844);
            phone.Driver.Navigate().GoToUrl(new Uri(Hub, "/field/"));
            phone.Visible("key").SendKeys(FieldReportsTests.FieldKey + Keys.Enter);
            phone.Visible("report");
            phone.Driver.FindElement(By.CssSelector("input[name=category][value='road-blocked']")).Click();
            phone.ById("comment").SendKeys("倒木で市道がふさがっています");
            phone.ById("photos").SendKeys(photo);
            phone.Shot("01-phone-report");
            phone.ById("send").Click();
            phone.Until(d => d.FindElement(By.Id("sent")).Text.Contains("写真の位置情報", StringComparison.Ordinal), "the report sent, placed by its photo");
            id = phone.Until(d => d.FindElements(By.CssSelector("#mine li")).FirstOrDefault()?.GetAttribute("data-id"), "the report in the phone's list")!;
            phone.Js<bool>("return document.documentElement.scrollWidth <= window.innerWidth;").ShouldBeTrue(); // nothing to scroll sideways on a phone
            phone.Shot("02-phone-sent");
        }
        finally
        {
            File.Delete(photo);
        }

        using var browser = new Browser();
        browser.SignIn(Hub, HubFixture.IssuerKey);
        var item = browser.Until(d => d.FindElements(By.CssSelector($"#reports li[data-id='{id}']")).FirstOrDefault(), "the report beside the map")!;
        item.Text.ShouldContain("倒木で市道がふさがっています");
        browser.Until(d => d.FindElements(By.CssSelector("#map .place.field-report.new")).Count >= 1, "the report's marker on the map");
        browser.Until(d => d.FindElement(By.CssSelector($"#reports li[data-id='{id}'] img.thumb")).GetAttribute("src")?.StartsWith("blob:", StringComparison.Ordinal) == true,
            "the photo's thumbnail, fetched with the desk's key");
        browser.Shot("12-field-report");
        item.FindElement(By.ClassName("report-verify")).Click();
        browser.Until(d => d.FindElements(By.CssSelector($"#reports li[data-id='{id}'][data-state='verified'] .report-include input:checked")).Count == 1,
            "the report verified and chosen for the notice");
        browser.ById("reports-send").Click();
        browser.Until(d => d.FindElement(By.Id("toast")).Text.Contains("被害情報", StringComparison.Ordinal), "the damage notice sent");
        await HubFixture.Eventually(async () =>
        {
            using var report = await hub.SendAsync(HttpMethod.Get, $"/api/v1/field-reports/{id}", null, HubFixture.IssuerKey);
            return (await report.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString() == "reported";
        }, "the report carried by the damage notice");
        browser.Until(d => d.FindElements(By.CssSelector($"#reports li[data-id='{id}']")).Count == 0, "the report gone from the desk's open list");
    }

    [Fact]
    public async Task An_official_sets_up_a_gauge_with_its_thresholds_and_its_first_reading_over_them_is_a_draft()
    {
        var id = SensorsTests.Station();
        using var browser = new Browser();
        browser.SignIn(Hub, HubFixture.IssuerKey);
        browser.ById("tab-other").Click();
        browser.Visible("station-new").Click();
        browser.ById("station-id").SendKeys(id);
        browser.ById("station-name").SendKeys("坪井川 新堀橋");
        browser.ById("station-area").Clear();
        browser.ById("station-area").SendKeys("431010");
        browser.ById("station-t3").SendKeys("2.8");
        browser.ById("station-t4").SendKeys("2.5"); // lower than level 3's: the hub says where
        browser.ById("station-save").Click();
        browser.Until(d => d.FindElement(By.Id("station-thresholds-error")).Displayed, "the thresholds' error beside them");
        browser.ById("station-thresholds-error").Text.ShouldContain("小さい順");
        browser.Shot("13-station-error");

        browser.ById("station-t4").Clear();
        browser.ById("station-t4").SendKeys("3.4");
        browser.ById("station-save").Click();
        var secret = browser.Until(d => d.FindElement(By.Id("station-secret")).Text is { Length: > 0 } text ? text[(text.LastIndexOf(' ') + 1)..] : null,
            "the station's secret, shown once it is made")!;
        browser.Until(d => d.FindElements(By.CssSelector($"#stations tr[data-id='{id}']")).Count == 1, "the station in the desk's list");
        browser.Shot("14-station-saved");

        var (status, receipt) = await SensorsTests.Send(hub, id, secret, JsonSerializer.Serialize(new { value = 3.6, at = DateTimeOffset.UtcNow }), null);
        status.ShouldBe(System.Net.HttpStatusCode.Accepted);
        var draft = receipt.GetProperty("draftId").GetString()!;
        browser.ById("tab-evacuation").Click();
        var item = browser.Until(d => d.FindElements(By.CssSelector($"#drafts li[data-id='{draft}']")).FirstOrDefault(), "the gauge's draft beside the map")!;
        item.Text.ShouldContain("坪井川 新堀橋");
        item.Text.ShouldContain("警戒レベル4");
    }

    /// <summary>Controls without an accessible name, described for the failure message.</summary>
    internal const string Unlabelled = """
        const named = (el) => (el.getAttribute('aria-label') ?? '').trim()
          || (el.getAttribute('aria-labelledby') ?? '').split(' ').some((id) => document.getElementById(id)?.textContent.trim())
          || (el.id && [...document.querySelectorAll(`label[for="${el.id}"]`)].some((l) => l.textContent.trim()))
          || (el.closest('label')?.textContent.trim())
          || ((el.tagName === 'BUTTON' || el.getAttribute('role') === 'tab') && el.textContent.trim());
        return [...document.querySelectorAll('input, select, textarea, button, [role=button], [role=tab], [role=switch], [tabindex]:not([tabindex="-1"])')]
          .filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120));
        """;

    /// <summary>WCAG 2 contrast ratio of two #rrggbb colours.</summary>
    internal static double Contrast(string a, string b)
    {
        static double Luminance(string hex)
        {
            hex = hex.Trim().TrimStart('#');
            double Channel(int i)
            {
                var c = int.Parse(hex.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
                return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
            }
            return 0.2126 * Channel(0) + 0.7152 * Channel(1) + 0.0722 * Channel(2);
        }
        var (l1, l2) = (Luminance(a), Luminance(b));
        return (Math.Max(l1, l2) + 0.05) / (Math.Min(l1, l2) + 0.05);
    }
}
