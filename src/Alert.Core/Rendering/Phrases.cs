using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alert.Core.Notices;

namespace Alert.Core.Rendering;

/// <summary>
/// A piece of rendered text in <see cref="Language"/> (a CAP-style tag). <see cref="Verbatim"/> marks the issuer's own
/// words (names, titles, reasons): they stay as written, in Japanese, and are never machine-translated.
/// </summary>
public sealed record TextPart(string Text, string Language, bool Verbatim)
{
    public static TextPart AsWritten(string text) => new(text, Languages.Japanese.Tag, Verbatim: true);
}

/// <summary>
/// The standard phrases notices are rendered with (src/Alert.Core/Rendering/phrases.json, sources in README.md there):
/// level names and the action each calls for, hazards, lifelines, shelter states, kinds of notice, and the few
/// templates that join them. Every phrase exists in every language of <see cref="Languages.All"/>: a dictionary
/// missing one is refused when it is read, so a lookup in a known language never falls back.
/// </summary>
public sealed partial class Phrases
{
    private readonly Dictionary<string, Dictionary<string, string>> phrases;

    private Phrases(Dictionary<string, Dictionary<string, string>> phrases) => this.phrases = phrases;

    public static Phrases Standard { get; } = Read(OpenStandard());

    /// <summary>phrases.json as embedded, for whoever renders the phrases themselves (the resident page, signs, apps).</summary>
    public static Stream OpenStandard() => typeof(Phrases).Assembly.GetManifestResourceStream("Alert.Core.Rendering.phrases.json")
        ?? throw new InvalidOperationException("phrases.json is not embedded in Alert.Core.");

    public IReadOnlyCollection<string> Keys => phrases.Keys;

    /// <summary>Reads a dictionary shaped like phrases.json; throws <see cref="InvalidDataException"/> naming every missing phrase.</summary>
    public static Phrases Read(Stream json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        var phrases = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var phrase in doc.RootElement.GetProperty("phrases").EnumerateObject())
            phrases[phrase.Name] = phrase.Value.EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? "", StringComparer.Ordinal);

        var missing = phrases.SelectMany(p => Languages.All.Where(l => string.IsNullOrEmpty(p.Value.GetValueOrDefault(l.Key))).Select(l => $"{p.Key} ({l.Key})")).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"Phrases missing in some languages: {string.Join(", ", missing)}. Every phrase needs every language: {string.Join(", ", Languages.All.Select(l => l.Key))}.");
        return new Phrases(phrases);
    }

    public string Get(string key, Language language) =>
        phrases.TryGetValue(key, out var byLanguage) ? byLanguage[language.Key]
            : throw new KeyNotFoundException($"No standard phrase '{key}'. The keys are those of src/Alert.Core/Rendering/phrases.json ({phrases.Count}, e.g. level.4, disaster.flood, kind.cancel).");

    /// <summary>The phrase in the language a receiver asked for, after <see cref="Languages.Resolve"/> (unknown tags get English).</summary>
    public string Get(string key, string languageTag) => Get(key, Languages.Resolve(languageTag));

    /// <summary>A template with its {placeholders} filled in; a placeholder with no value is an error naming it.</summary>
    public string Format(string key, Language language, params (string Name, string Value)[] values) =>
        string.Concat(Compose(key, language, values.Select(v => (v.Name, (IReadOnlyList<TextPart>)[new TextPart(v.Value, language.Tag, false)])).ToArray()).Select(p => p.Text));

    /// <summary>Like <see cref="Format"/>, keeping each value's parts (and so which of them are verbatim).</summary>
    public IReadOnlyList<TextPart> Compose(string key, Language language, params (string Name, IReadOnlyList<TextPart> Value)[] values)
    {
        var template = Get(key, language);
        var parts = new List<TextPart>();
        var at = 0;
        foreach (Match m in Placeholder().Matches(template))
        {
            if (m.Index > at) parts.Add(new TextPart(template[at..m.Index], language.Tag, false));
            var name = m.Groups[1].Value;
            var value = values.FirstOrDefault(v => v.Name == name).Value
                ?? throw new FormatException($"Phrase '{key}' ({language.Key}) uses {{{name}}}, which was not given (given: {string.Join(", ", values.Select(v => v.Name))}).");
            parts.AddRange(value);
            at = m.Index + m.Length;
        }
        if (at < template.Length) parts.Add(new TextPart(template[at..], language.Tag, false));
        return parts;
    }

    [GeneratedRegex(@"\{([a-z]+)\}")]
    private static partial Regex Placeholder();
}

/// <summary>The phrase keys of the model's values: "level.4", "disaster.storm-surge", "lifeline.power", "kind.cancel"…</summary>
public static class PhraseKey
{
    public static string Level(EvacuationLevel level) => $"level.{(int)level}";
    public static string Action(EvacuationLevel level) => $"action.{(int)level}";
    public static string Of(DisasterType type) => "disaster." + Kebab(type);
    public static string Of(LifelineKind kind) => "lifeline." + Kebab(kind);
    public static string Of(LifelineState state) => "lifeline-state." + Kebab(state);
    public static string Of(ShelterStatus status) => "shelter." + Kebab(status);
    public static string Of(NoticeCategory category) => "category." + Kebab(category);
    public static string Of(NoticeKind kind) => "kind." + Kebab(kind);
    public static string Of(NoticeMode mode) => "mode." + Kebab(mode);
    public static string Of(HqState state) => "hq." + Kebab(state);
    public static string Of(DamageSiteKind kind) => "damage-site." + Kebab(kind);

    /// <summary>A value as phrases.json and the native JSON spell it (StormSurge → storm-surge).</summary>
    public static string Kebab<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
