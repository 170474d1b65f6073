using Alert.Core.Codes;

namespace Alert.Core.Tests;

public class LocalGovernmentCodeTests
{
    [Theory]
    [InlineData("01100", '2')] // 札幌市 011002
    [InlineData("13104", '1')] // 新宿区 131041
    [InlineData("13113", '0')] // 渋谷区 131130
    [InlineData("43100", '1')] // 熊本市 431001
    [InlineData("43101", '0')] // 熊本市中央区 431010
    [InlineData("43000", '5')] // 熊本県 430005
    public void Check_digit_matches_published_codes(string five, char digit) =>
        LocalGovernmentCode.CheckDigit(five).ShouldBe(digit);

    [Theory]
    [InlineData("431001", "43100")]
    [InlineData("43100", "43100")]
    [InlineData("４３１００１", "43100")]
    [InlineData(" 43101 ", "43101")]
    [InlineData("430005", "43")]
    [InlineData("43000", "43")]
    [InlineData("43", "43")]
    public void Accepts_with_and_without_check_digit(string text, string value)
    {
        LocalGovernmentCode.TryParse(text, out var code, out _).ShouldBeTrue();
        code.Value.ShouldBe(value);
    }

    [Theory]
    [InlineData("431002", "code.check-digit")]
    [InlineData("4310", "code.format")]
    [InlineData("43A00", "code.format")]
    [InlineData("", "code.format")]
    [InlineData("99100", "code.prefecture")]
    [InlineData("00", "code.prefecture")]
    public void Rejects_bad_codes_with_a_reason_in_both_languages(string text, string problem)
    {
        LocalGovernmentCode.TryParse(text, out _, out var error).ShouldBeFalse();
        error.Code.ShouldBe(problem);
        error.Ja.ShouldNotBeNullOrWhiteSpace();
        error.En.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Six_digit_form_adds_the_check_digit()
    {
        LocalGovernmentCode.Parse("43100").WithCheckDigit.ShouldBe("431001");
        LocalGovernmentCode.Parse("43").WithCheckDigit.ShouldBe("430005");
    }
}

public class EvacuationVocabularyTests
{
    [Theory]
    [InlineData("4", Notices.EvacuationLevel.EvacuationOrder)]
    [InlineData("警戒レベル４", Notices.EvacuationLevel.EvacuationOrder)]
    [InlineData("高齢者等避難", Notices.EvacuationLevel.ElderlyEvacuate)]
    [InlineData("レベル5", Notices.EvacuationLevel.EmergencySafety)]
    public void Levels_are_read_from_numbers_and_official_wording(string text, Notices.EvacuationLevel level) =>
        Notices.Evacuation.ParseLevel(text).ShouldBe(level);

    [Theory]
    [InlineData("避難勧告")]
    [InlineData("避難準備・高齢者等避難開始")]
    public void The_names_abolished_in_2021_are_recognised(string text)
    {
        Notices.Evacuation.ParseLevel(text).ShouldBeNull();
        Notices.Evacuation.IsAbolished(text).ShouldBeTrue();
    }

    [Fact]
    public void A_tsunami_gets_an_evacuation_order_only() =>
        Notices.Evacuation.LevelsFor(Notices.DisasterType.Tsunami).ShouldBe([Notices.EvacuationLevel.EvacuationOrder]);
}
