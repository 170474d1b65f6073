namespace Alert.Core.Notices;

/// <summary>
/// 警戒レベル for evacuation information as in force since 2021-05-20. The numbers are the official levels;
/// the texts are the official wording, which residents are taught to recognise.
/// </summary>
public enum EvacuationLevel
{
    ElderlyEvacuate = 3,        // 高齢者等避難
    EvacuationOrder = 4,        // 避難指示
    EmergencySafety = 5,        // 緊急安全確保
}

/// <summary>The hazards an evacuation order is issued for, named as in GSI's designated-site lists.</summary>
public enum DisasterType
{
    Flood,          // 洪水
    Landslide,      // 崖崩れ、土石流及び地滑り (土砂災害)
    StormSurge,     // 高潮
    Earthquake,     // 地震
    Tsunami,        // 津波
    LargeFire,      // 大規模な火事
    InlandFlood,    // 内水氾濫
    Volcano,        // 火山現象
}

public static class Evacuation
{
    public static string Japanese(this EvacuationLevel level) => level switch
    {
        EvacuationLevel.ElderlyEvacuate => "高齢者等避難",
        EvacuationLevel.EvacuationOrder => "避難指示",
        EvacuationLevel.EmergencySafety => "緊急安全確保",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public static string English(this EvacuationLevel level) => level switch
    {
        EvacuationLevel.ElderlyEvacuate => "Elderly and others evacuate",
        EvacuationLevel.EvacuationOrder => "Evacuation order",
        EvacuationLevel.EmergencySafety => "Emergency safety measures",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public static string Japanese(this DisasterType type) => type switch
    {
        DisasterType.Flood => "洪水",
        DisasterType.Landslide => "土砂災害",
        DisasterType.StormSurge => "高潮",
        DisasterType.Earthquake => "地震",
        DisasterType.Tsunami => "津波",
        DisasterType.LargeFire => "大規模な火事",
        DisasterType.InlandFlood => "内水氾濫",
        DisasterType.Volcano => "火山現象",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>
    /// Which levels may be issued for a hazard. The hub's rule, after the Cabinet Office's 2021 guidelines: for a
    /// tsunami, an earthquake or a large fire only 避難指示 is issued (there is no time for stages); volcanoes follow
    /// their own alert levels and use 高齢者等避難 and 避難指示; water and sediment hazards use all three.
    /// </summary>
    public static IReadOnlySet<EvacuationLevel> LevelsFor(DisasterType type) => type switch
    {
        DisasterType.Tsunami or DisasterType.Earthquake or DisasterType.LargeFire => OrderOnly,
        DisasterType.Volcano => ElderlyAndOrder,
        _ => All,
    };

    private static readonly HashSet<EvacuationLevel> OrderOnly = [EvacuationLevel.EvacuationOrder];
    private static readonly HashSet<EvacuationLevel> ElderlyAndOrder = [EvacuationLevel.ElderlyEvacuate, EvacuationLevel.EvacuationOrder];
    private static readonly HashSet<EvacuationLevel> All = [.. Enum.GetValues<EvacuationLevel>()];

    /// <summary>Reads a level from a number (3–5), its official wording, or "レベル4"-style text; null if unknown.</summary>
    public static EvacuationLevel? ParseLevel(string? text)
    {
        var value = (text ?? "").Trim().Normalize(System.Text.NormalizationForm.FormKC)
            .Replace("警戒", "", StringComparison.Ordinal).Replace("レベル", "", StringComparison.Ordinal).Trim();
        return value switch
        {
            "3" or "高齢者等避難" => EvacuationLevel.ElderlyEvacuate,
            "4" or "避難指示" => EvacuationLevel.EvacuationOrder,
            "5" or "緊急安全確保" => EvacuationLevel.EmergencySafety,
            _ => null,
        };
    }

    /// <summary>The names abolished on 2021-05-20, which desks still type from habit.</summary>
    public static bool IsAbolished(string? text) =>
        text is not null && (text.Contains("避難勧告", StringComparison.Ordinal) || text.Contains("避難準備", StringComparison.Ordinal));

    public static readonly (string Code, string Ja, string En) AbolishedProblem = ("evacuation.abolished-level",
        "「避難勧告」「避難準備・高齢者等避難開始」は 2021年5月20日に廃止されました。警戒レベル4は「避難指示」（勧告の段階で指示を出します）、レベル3は「高齢者等避難」、レベル5は「緊急安全確保」を使ってください。",
        "'避難勧告' (evacuation advisory) and '避難準備・高齢者等避難開始' were abolished on 2021-05-20: level 4 is now 避難指示 (evacuation order, issued where an advisory used to be), level 3 高齢者等避難, level 5 緊急安全確保.");

    /// <summary>Reads a disaster type from its Japanese name (GSI's column names included) or its English name.</summary>
    public static DisasterType? ParseDisasterType(string? text) => (text ?? "").Trim() switch
    {
        "洪水" or "flood" or "Flood" => DisasterType.Flood,
        "土砂災害" or "崖崩れ、土石流及び地滑り" or "landslide" or "Landslide" => DisasterType.Landslide,
        "高潮" or "storm-surge" or "StormSurge" => DisasterType.StormSurge,
        "地震" or "earthquake" or "Earthquake" => DisasterType.Earthquake,
        "津波" or "tsunami" or "Tsunami" => DisasterType.Tsunami,
        "大規模な火事" or "火災" or "large-fire" or "LargeFire" => DisasterType.LargeFire,
        "内水氾濫" or "inland-flood" or "InlandFlood" => DisasterType.InlandFlood,
        "火山現象" or "火山" or "volcano" or "Volcano" => DisasterType.Volcano,
        _ => null,
    };
}
