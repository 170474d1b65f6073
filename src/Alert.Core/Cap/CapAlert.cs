namespace Alert.Core.Cap;

/// <summary>The parts of a CAP 1.2 alert the hub routes and shows; the original XML is kept alongside, untouched.</summary>
public sealed record CapAlert(
    string Identifier,
    string Sender,
    DateTimeOffset Sent,
    string Status,
    string MsgType,
    string Scope,
    IReadOnlyList<CapReference> References,
    IReadOnlyList<CapInfo> Infos,
    string? Note = null)
{
    /// <summary>Every geocode once per place it stands (the same area repeated in each language's info counts once).</summary>
    public IEnumerable<CapGeocode> Geocodes => Infos.SelectMany(i => i.Areas).SelectMany(a => a.Geocodes).DistinctBy(g => (g.ValueName, g.Value, g.At.Path));

    /// <summary>When the whole alert stops applying: the latest info expiry, or null if any info has none.</summary>
    public DateTimeOffset? Expires => Infos.Count > 0 && Infos.All(i => i.Expires is not null) ? Infos.Max(i => i.Expires) : null;

    /// <summary>The first info in a language ("ja", "en": matched as a prefix of its tag), or null.</summary>
    public CapInfo? InfoIn(string language) => Infos.FirstOrDefault(i => i.Language.StartsWith(language, StringComparison.OrdinalIgnoreCase));

    /// <summary>The info people here read first: the Japanese one, else the first; null for a cancel without any.</summary>
    public CapInfo? MainInfo => InfoIn("ja") ?? (Infos.Count > 0 ? Infos[0] : null);

    /// <summary>The text a feed or a list shows: the first headline, else event and area.</summary>
    public string Title
    {
        get
        {
            if (Infos.Count == 0) return Identifier;
            var info = Infos[0];
            if (!string.IsNullOrWhiteSpace(info.Headline)) return info.Headline;
            var areas = string.Join("、", info.Areas.Select(a => a.AreaDesc));
            return areas.Length == 0 ? info.Event : $"{info.Event} ({areas})";
        }
    }
}

/// <summary>One entry of <c>references</c>: "sender,identifier,sent".</summary>
public sealed record CapReference(string Sender, string Identifier, string Sent);

public sealed record CapInfo(
    string Language,
    IReadOnlyList<string> Categories,
    string Event,
    string Urgency,
    string Severity,
    string Certainty,
    DateTimeOffset? Expires,
    string? Headline,
    string? Description,
    string? Instruction,
    IReadOnlyList<CapArea> Areas,
    IReadOnlyList<CapValue>? EventCodes = null,
    IReadOnlyList<CapValue>? Parameters = null)
{
    public string? Parameter(string name) => Parameters?.FirstOrDefault(p => p.Name == name)?.Value;
}

/// <summary>A CAP valueName/value pair (eventCode, parameter).</summary>
public sealed record CapValue(string Name, string Value);

public sealed record CapArea(string AreaDesc, IReadOnlyList<string> Polygons, IReadOnlyList<string> Circles, IReadOnlyList<CapGeocode> Geocodes);

public sealed record CapGeocode(string ValueName, string Value, SourceLocation At)
{
    /// <summary>The geocode name of the Japanese local government code in this hub's CAP profile.</summary>
    public const string LocalGovernmentCode = "JISX0402";

    public bool IsLocalGovernmentCode => string.Equals(ValueName.Trim(), LocalGovernmentCode, StringComparison.OrdinalIgnoreCase);
}
