using System.Text;
using Alert.Core.Notices;
using Alert.Core.Rendering;

namespace Alert.Core.Tests.Rendering;

public class PhrasesTests
{
    private static readonly Phrases Standard = Phrases.Standard;

    [Fact]
    public void Every_phrase_exists_in_every_language()
    {
        var missing = Standard.Keys.SelectMany(k => Languages.All.Where(l => string.IsNullOrWhiteSpace(Standard.Get(k, l))).Select(l => $"{k} {l.Key}"));

        missing.ShouldBeEmpty();
    }

    [Fact]
    public void Every_value_of_the_model_has_a_phrase()
    {
        var keys = Enum.GetValues<EvacuationLevel>().SelectMany(l => new[] { PhraseKey.Level(l), PhraseKey.Action(l) })
            .Concat(Enum.GetValues<DisasterType>().Select(PhraseKey.Of))
            .Concat(Enum.GetValues<LifelineKind>().Select(PhraseKey.Of))
            .Concat(Enum.GetValues<LifelineState>().Select(PhraseKey.Of))
            .Concat(Enum.GetValues<ShelterStatus>().Select(PhraseKey.Of))
            .Concat(Enum.GetValues<NoticeCategory>().Select(PhraseKey.Of))
            .Concat(Enum.GetValues<NoticeKind>().Select(PhraseKey.Of))
            .Concat(Enum.GetValues<NoticeMode>().Select(PhraseKey.Of))
            .Concat(Enum.GetValues<HqState>().Select(PhraseKey.Of))
            .Append("kind.lifted");

        keys.Where(k => !Standard.Keys.Contains(k)).ShouldBeEmpty();
    }

    [Fact]
    public void Japanese_and_English_level_names_are_the_model_s_own()
    {
        foreach (var level in Enum.GetValues<EvacuationLevel>())
        {
            Standard.Get(PhraseKey.Level(level), Languages.Japanese).ShouldBe(level.Japanese());
            Standard.Get(PhraseKey.Level(level), Languages.English).ShouldBe(level.English());
        }
        foreach (var type in Enum.GetValues<DisasterType>())
            Standard.Get(PhraseKey.Of(type), Languages.Japanese).ShouldBe(type.Japanese());
    }

    [Fact]
    public void Every_language_fills_every_template_with_the_values_the_code_gives()
    {
        var values = new[] { "level", "name", "hazards", "issuer", "open", "state", "statuses", "title", "id", "tag", "label", "list",
            "time", "kind", "names", "count", "dead", "missing", "month", "day", "hour", "minute" }.Select(n => (n, "x")).ToArray();

        foreach (var key in Standard.Keys)
            foreach (var language in Languages.All)
                Should.NotThrow(() => Standard.Format(key, language, values), $"{key} {language.Key}");
    }

    [Theory]
    [InlineData("ja-JP", "避難指示")]
    [InlineData("JA", "避難指示")]
    [InlineData("ja-x-easy", "避難指示（ひなんしじ）")]
    [InlineData("ja-JP-x-easy", "避難指示（ひなんしじ）")]
    [InlineData("en-GB", "Evacuation order")]
    [InlineData("zh-CN", "避难指示")]
    [InlineData("zh-Hans-SG", "避难指示")]
    [InlineData("ko", "피난 지시")]
    [InlineData("vi-VN", "Chỉ thị sơ tán")]
    [InlineData("pt-PT", "Ordem de evacuação")]
    [InlineData("fr-FR", "Evacuation order")] // a language the hub does not render: English
    [InlineData("zh-TW", "Evacuation order")] // traditional characters are not simplified ones
    [InlineData("", "Evacuation order")]
    public void A_tag_falls_back_to_its_language_then_to_English(string tag, string expected) =>
        Standard.Get("level.4", tag).ShouldBe(expected);

    [Fact]
    public void An_unknown_key_is_named_in_the_error()
    {
        var error = Should.Throw<KeyNotFoundException>(() => Standard.Get("level.2", Languages.English));

        error.Message.ShouldContain("'level.2'");
        error.Message.ShouldContain("phrases.json");
    }

    [Fact]
    public void A_placeholder_without_a_value_is_named_in_the_error() =>
        Should.Throw<FormatException>(() => Standard.Format("headline.damage", Languages.English)).Message.ShouldContain("{issuer}");

    [Fact]
    public void A_dictionary_missing_a_language_is_refused_with_what_is_missing()
    {
        var json = """{"phrases": {"level.4": {"ja": "避難指示", "en": "Evacuation order"}}}""";

        var error = Should.Throw<InvalidDataException>(() => Phrases.Read(new MemoryStream(Encoding.UTF8.GetBytes(json))));

        error.Message.ShouldContain("level.4 (ko)");
        error.Message.ShouldContain("level.4 (ja-x-easy)");
    }

    [Fact]
    public void A_list_of_tags_names_the_ones_the_hub_cannot_render()
    {
        Languages.ParseList("en, zh-Hans,ko").ShouldBe([Languages.English, Languages.Chinese, Languages.Korean]);
        Should.Throw<ArgumentException>(() => Languages.ParseList("en,fr,tl")).Message.ShouldContain("fr, tl");
    }

    [Fact]
    public void Composed_text_keeps_the_issuer_s_words_marked_as_written()
    {
        var parts = Standard.Compose("headline.damage", Languages.English, ("issuer", [TextPart.AsWritten("熊本市")]));

        parts.ShouldBe([new TextPart("熊本市", "ja-JP", true), new TextPart(": damage report", "en-US", false)]);
    }
}
