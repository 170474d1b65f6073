using Alert.Core.Cap;
using Alert.Core.Notices;
using Alert.Core.Rendering;

namespace Alert.Core.Tests.Rendering;

public class MultilingualCapTests
{
    private static Notice Read(string name) => NoticeFormatsTests.Read(name);

    public static TheoryData<string> Examples => NoticeXmlReaderTests.Examples;

    [Theory]
    [MemberData(nameof(Examples))]
    public void CAP_in_three_languages_is_valid_and_reads_back(string name)
    {
        var notice = Read(name);

        var cap = CapReader.Read(CapWriter.Write(NoticeCap.ToCap(notice, NoticeFormatsTests.Previous(notice), [Languages.English, Languages.Chinese, Languages.EasyJapanese])));

        cap.Problems.ShouldBeEmpty();
        cap.Alert!.Infos.Select(i => i.Language).ShouldBe(["ja-JP", "en-US", "zh-Hans", "ja-x-easy"]);
        NoticeJson.Write(NoticeCap.FromCap(cap.Alert).ShouldNotBeNull()).ShouldBe(NoticeJson.Write(notice));
    }

    [Fact]
    public void Each_language_speaks_from_the_dictionary_and_keeps_names_as_written()
    {
        var infos = NoticeCap.ToCap(Read("evacuation.xml"), null, [Languages.Korean, Languages.Vietnamese, Languages.Portuguese]).Infos;

        infos.Select(i => i.Language).ShouldBe(["ja-JP", "ko-KR", "vi-VN", "pt-BR"]);
        infos[1].Event.ShouldBe("긴급 안전 확보");
        infos[1].Headline.ShouldBe("[경계 레벨 5] 熊本市: 긴급 안전 확보(홍수, 토사 재해)");
        infos[2].Instruction.ShouldBe(Phrases.Standard.Get("action.5", Languages.Vietnamese));
        infos[3].Headline.ShouldBe("[Nível de alerta 5] 熊本市: Garantia de segurança de emergência (enchente, deslizamento de terra)");
        foreach (var info in infos.Skip(1))
        {
            info.Areas.ShouldBe(infos[0].Areas); // area names stay Japanese
            info.Description.ShouldBeNull();
            info.Parameter(NoticeCap.UntranslatedParameter).ShouldBe("ja-JP");
            info.Parameter(NoticeCap.NoticeParameter).ShouldBeNull(); // the notice travels once, in Japanese
        }
    }

    [Fact]
    public void Japanese_comes_first_once_whatever_is_asked()
    {
        var infos = NoticeCap.ToCap(Read("shelters.xml"), null, [Languages.English, Languages.Japanese, Languages.English]).Infos;

        infos.Select(i => i.Language).ShouldBe(["ja-JP", "en-US"]);
    }
}
