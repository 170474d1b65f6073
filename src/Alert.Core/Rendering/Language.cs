namespace Alert.Core.Rendering;

/// <summary>
/// A language the hub renders notices in: <see cref="Tag"/> is what CAP's <c>language</c> carries (RFC 5646),
/// <see cref="Key"/> its column in phrases.json.
/// </summary>
public sealed record Language(string Tag, string Key, string Name)
{
    public override string ToString() => Tag;
}

public static class Languages
{
    public static readonly Language Japanese = new("ja-JP", "ja", "日本語");

    /// <summary>やさしい日本語: Japanese, so "ja"; no subtag is registered for it, hence the private-use "x-easy".</summary>
    public static readonly Language EasyJapanese = new("ja-x-easy", "ja-x-easy", "やさしい日本語");
    public static readonly Language English = new("en-US", "en", "English");

    /// <summary>The script, not a region: simplified characters are read in mainland China and Singapore alike.</summary>
    public static readonly Language Chinese = new("zh-Hans", "zh-Hans", "简体中文");
    public static readonly Language Korean = new("ko-KR", "ko", "한국어");
    public static readonly Language Vietnamese = new("vi-VN", "vi", "Tiếng Việt");

    /// <summary>Brazilian: nearly every Portuguese speaker living in Japan is from Brazil.</summary>
    public static readonly Language Portuguese = new("pt-BR", "pt", "Português");

    public static IReadOnlyList<Language> All { get; } = [Japanese, EasyJapanese, English, Chinese, Korean, Vietnamese, Portuguese];

    /// <summary>
    /// The hub's language for a tag: the tag or key itself (any case), else the same language under another region
    /// ("pt-PT" → pt-BR, "en-GB" → en-US, "zh-CN" → zh-Hans, "ja-JP-x-easy" → ja-x-easy); null when the hub does not
    /// render it. Traditional Chinese (zh-Hant, zh-TW, zh-HK, zh-MO) is not simplified Chinese and gives null.
    /// </summary>
    public static Language? Find(string? tag)
    {
        var t = (tag ?? "").Trim().Replace('_', '-');
        if (t.Length == 0) return null;
        if (All.FirstOrDefault(l => t.Equals(l.Tag, StringComparison.OrdinalIgnoreCase) || t.Equals(l.Key, StringComparison.OrdinalIgnoreCase)) is { } exact)
            return exact;
        var subtags = t.ToLowerInvariant().Split('-');
        return subtags[0] switch
        {
            "ja" => subtags.Contains("easy") ? EasyJapanese : Japanese,
            "zh" => subtags.Skip(1).Any(s => s is "hant" or "tw" or "hk" or "mo") ? null : Chinese,
            var primary => All.FirstOrDefault(l => l.Key == primary),
        };
    }

    /// <summary>The fallback order for a receiver's tag: <see cref="Find"/>, else English.</summary>
    public static Language Resolve(string? tag) => Find(tag) ?? English;

    /// <summary>Reads a list like "en,zh-Hans, ko"; every tag must be one the hub renders (unknown ones are named in the error).</summary>
    public static IReadOnlyList<Language> ParseList(string tags)
    {
        var parts = tags.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = parts.Where(p => Find(p) is null).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"No rendering for {string.Join(", ", unknown)}; the hub renders {string.Join(", ", All.Select(l => l.Tag))}.", nameof(tags));
        return parts.Select(p => Find(p)!).Distinct().ToList();
    }
}
