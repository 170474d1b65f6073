using Alert.Core.Notices;
using Alert.Core.Rendering;

namespace Alert.Core.Tests.Rendering;

public class ShortTextTests
{
    private static readonly DateTimeOffset Sent = new(2026, 6, 30, 18, 0, 0, TimeSpan.Zero); // 7月1日 3:00 in Japan

    private static Notice Read(string name) => NoticeFormatsTests.Read(name);

    private static Notice Evacuation(IReadOnlyList<District> districts, NoticeKind kind = NoticeKind.Issue, NoticeMode mode = NoticeMode.Actual, string? reason = null) =>
        new(new Envelope("431001-2026-0050", 1, "431001", "熊本市", mode, kind, reason, Sent, null, null, [new AreaRef("431010", "熊本市中央区")]),
            new EvacuationBody(districts));

    private static District Order(string name, string level = "4", DateTimeOffset? lifted = null) =>
        new(name, null, null, level, DisasterType.Flood, null, null, Sent, lifted);

    // 熊本市中央区's towns with their long names: far more than any short text can hold.
    private static readonly IReadOnlyList<District> ManyDistricts =
        [.. Enumerable.Range(1, 120).Select(i => Order($"大江本町第{i}土地区画整理事業地内字北川原{i}丁目"))];

    public static TheoryData<string> AllLanguages => [.. Languages.All.Select(l => l.Tag)];

    [Theory]
    [MemberData(nameof(AllLanguages))]
    public void The_longest_order_fits_and_still_says_level_area_action_and_time(string tag)
    {
        var language = Languages.Find(tag)!;

        var text = ShortText.Write(Evacuation(ManyDistricts), language).Text;

        text.Length.ShouldBeLessThanOrEqualTo(ShortText.MaxLength);
        text.ShouldContain(Phrases.Standard.Get("level.4", language));
        text.ShouldContain("大江本町第1土地区画整理事業地内字北川原1丁目"); // the first areas by name, whole
        text.ShouldContain(Phrases.Standard.Get("action.4", language));
        text.ShouldContain("熊本市");
        text.ShouldNotContain("大江本町第120"); // the rest as a count
    }

    [Fact]
    public void Japanese_reads_as_residents_expect()
    {
        var text = ShortText.Write(Evacuation(ManyDistricts), Languages.Japanese).Text;

        text.ShouldStartWith("【警戒レベル4】避難指示（洪水）：大江本町第1土地区画整理事業地内字北川原1丁目、");
        text.ShouldMatch(@"、大江本町第\d+土地区画整理事業地内字北川原\d+丁目ほか\d+地区\n危険な場所から全員避難\n熊本市 7月1日 3:00発表$");
    }

    [Fact]
    public void A_short_list_is_written_out_whole()
    {
        var text = ShortText.Write(Evacuation([Order("出水一丁目"), Order("出水二丁目"), Order("白川河川敷", "5")]), Languages.English).Text;

        text.ShouldBe("""
            [Level 5] Emergency safety measures (flood): 白川河川敷
            [Level 4] Evacuation order (flood): 出水一丁目, 出水二丁目
            Danger to life: secure your safety immediately!
            Issued by 熊本市, Jul 1, 3:00 JST
            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Lifted_orders_say_so()
    {
        var lifted = Sent.AddHours(6);

        var text = ShortText.Write(Evacuation([Order("出水一丁目", lifted: lifted), Order("出水二丁目", lifted: lifted)], NoticeKind.Update), Languages.Japanese).Text;

        text.ShouldBe("解除：出水一丁目、出水二丁目\n熊本市 7月1日 3:00解除");
    }

    [Fact]
    public void Damage_seen_on_the_ground_is_counted_by_kind_and_claims_no_casualties()
    {
        var at = Sent.AddHours(1);
        DamageSite Site(DamageSiteKind kind) => new(kind, new Location(32.80m, 130.70m), null, null);
        var notice = new Notice(new Envelope("431001-damage-0002", 1, "431001", "熊本市", NoticeMode.Actual, NoticeKind.Issue, null, Sent, null, null,
            [new AreaRef("431010", "熊本市中央区")]), new DamageBody([new DamageReport(new AreaRef("431010", "熊本市中央区"),
            null, null, null, null, null, null, null, null, null, at, [Site(DamageSiteKind.RoadBlocked), Site(DamageSiteKind.Landslide), Site(DamageSiteKind.RoadBlocked)])]));

        var text = ShortText.Write(notice, Languages.Japanese).Text;

        text.ShouldContain("通行止め 2か所");
        text.ShouldContain("土砂崩れ 1か所");
        text.ShouldNotContain("死者");
        ShortText.Write(notice, Languages.English).Text.ShouldContain("road blocked: 2 sites");
    }

    [Fact]
    public void A_cancel_says_what_was_taken_down_and_why()
    {
        var ja = ShortText.Write(Read("cancel.xml"), Languages.Japanese).Text;
        var en = ShortText.Write(Read("cancel.xml"), Languages.English);

        ja.ShouldStartWith("【取消】熊本市の情報（431001-2026-0042）を取り消しました\n対象地域：熊本市中央区\n理由：対象地区を誤って発表したため取り消します。");
        en.Text.ShouldStartWith("[Cancelled] 熊本市 withdrew notice 431001-2026-0042");
        en.Parts.ShouldContain(new TextPart("対象地区を誤って発表したため取り消します。", "ja-JP", Verbatim: true)); // the reason as written
    }

    [Fact]
    public void Exercises_and_corrections_are_marked_first()
    {
        var text = ShortText.Write(Evacuation([Order("出水一丁目")], NoticeKind.Correction, NoticeMode.Exercise, "地区名の誤り"), Languages.Japanese).Text;

        text.ShouldStartWith("【訓練】【訂正】【警戒レベル4】避難指示");
        text.ShouldContain("理由：地区名の誤り");
        text.ShouldEndWith("7月1日 3:00訂正");
    }

    [Theory]
    [MemberData(nameof(AllLanguages))]
    public void Free_text_stays_as_written_and_marked(string tag)
    {
        var language = Languages.Find(tag)!;

        var parts = ShortText.Write(Read("general.xml"), language).Parts;

        parts.ShouldContain(new TextPart("給水所の開設", "ja-JP", Verbatim: true));
        parts.Where(p => !p.Verbatim).ShouldAllBe(p => p.Language == language.Tag);
    }

    [Fact]
    public void Long_free_text_is_shortened_at_a_sentence_and_the_time_kept()
    {
        var text = string.Concat(Enumerable.Repeat("断水地域に給水所を開設しました。容器をお持ちください。", 20));
        var notice = Read("general.xml") with { Body = new GeneralBody("給水所の開設", text, []) };

        var written = ShortText.Write(notice, Languages.Japanese).Text;

        written.Length.ShouldBeLessThanOrEqualTo(ShortText.MaxLength);
        written.ShouldContain("。…\n");
        written.ShouldEndWith("8:00発表");
    }

    [Theory]
    [InlineData("shelters.xml")]
    [InlineData("lifeline.xml")]
    [InlineData("damage.xml")]
    [InlineData("disaster-hq.xml")]
    public void Every_category_has_a_short_text_in_every_language(string name)
    {
        foreach (var language in Languages.All)
        {
            var text = ShortText.Write(Read(name), language).Text;
            text.Length.ShouldBeInRange(10, ShortText.MaxLength);
            text.ShouldContain(Phrases.Standard.Get(PhraseKey.Of(NoticeKind.Issue), language));
        }
    }
}
