using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Alert.Core.Csv;

/// <summary>
/// One column of a W3C CSVW table schema, as far as this hub uses CSVW: its name, the header text (first title) and
/// accepted aliases, a datatype (string, integer, decimal, boolean, dateTime) and the datatype's facets.
/// </summary>
public sealed record CsvColumn(
    string Name,
    IReadOnlyList<string> Titles,
    string Datatype,
    bool Required,
    decimal? Minimum,
    decimal? Maximum,
    Regex? Pattern,
    int? MinLength,
    int? MaxLength,
    string? TrueValue,
    string? FalseValue,
    string? Example)
{
    /// <summary>The header text as GSI or this hub publishes it.</summary>
    public string Title => Titles[0];
}

/// <summary>
/// A CSV format, read from its CSVW metadata file in schemas/csv (embedded in this assembly), so that the file the
/// users read is the one the validator applies. Rules CSVW cannot express live in <see cref="CsvFormats"/>.
/// </summary>
public sealed class CsvSchema
{
    private CsvSchema(string url, string title, IReadOnlyList<CsvColumn> columns)
    {
        Url = url;
        Title = title;
        Columns = columns;
    }

    /// <summary>The file the metadata describes, e.g. gsi-emergency-evacuation-sites.csv.</summary>
    public string Url { get; }

    public string Title { get; }

    public IReadOnlyList<CsvColumn> Columns { get; }

    public static readonly CsvSchema EmergencyEvacuationSites = Embedded("gsi-emergency-evacuation-sites.csv-metadata.json");
    public static readonly CsvSchema DesignatedShelters = Embedded("gsi-designated-shelters.csv-metadata.json");
    public static readonly CsvSchema ShelterStatus = Embedded("shelter-status.csv-metadata.json");
    public static readonly CsvSchema EvacuationDistricts = Embedded("evacuation-districts.csv-metadata.json");
    public static readonly CsvSchema LifelineStatus = Embedded("lifeline-status.csv-metadata.json");
    public static readonly CsvSchema LifeSupportPlaces = Embedded("life-support-places.csv-metadata.json");

    private static CsvSchema Embedded(string fileName)
    {
        using var stream = typeof(CsvSchema).Assembly.GetManifestResourceStream("Alert.Core.schemas.csv." + fileName)
            ?? throw new InvalidOperationException($"CSV schema {fileName} is not embedded");
        return Parse(stream);
    }

    /// <summary>Reads CSVW metadata. A schema using what this reader does not implement is refused, not half-applied.</summary>
    public static CsvSchema Parse(Stream metadataJson)
    {
        using var doc = JsonDocument.Parse(metadataJson);
        var root = doc.RootElement;
        if (root.GetProperty("@context").GetString() != "http://www.w3.org/ns/csvw")
            throw new FormatException("Not CSVW metadata: @context must be http://www.w3.org/ns/csvw");

        var columns = root.GetProperty("tableSchema").GetProperty("columns").EnumerateArray().Select(ReadColumn).ToList();
        return new CsvSchema(root.GetProperty("url").GetString()!,
            root.TryGetProperty("dc:title", out var title) ? title.GetString()! : "", columns);
    }

    private static CsvColumn ReadColumn(JsonElement column)
    {
        var name = column.GetProperty("name").GetString()!;
        var titles = column.GetProperty("titles") is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Select(t => t.GetString()!).ToList()
            : [column.GetProperty("titles").GetString()!];

        var datatype = column.GetProperty("datatype");
        var facets = datatype.ValueKind == JsonValueKind.Object ? datatype : default;
        var baseType = datatype.ValueKind == JsonValueKind.String ? datatype.GetString()! : facets.GetProperty("base").GetString()!;
        if (baseType is not ("string" or "integer" or "decimal" or "boolean" or "dateTime"))
            throw new FormatException($"Column {name}: datatype {baseType} is not supported");

        string? Text(string property) =>
            facets.ValueKind == JsonValueKind.Object && facets.TryGetProperty(property, out var value) ? value.ToString() : null;
        decimal? Number(string property) => Text(property) is { } text ? decimal.Parse(text, CultureInfo.InvariantCulture) : null;
        int? Length(string property) => Text(property) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

        // CSVW writes a boolean's lexical form as "true|false": GSI's "1|" means 1 for yes and blank for no.
        string? trueValue = null, falseValue = null;
        if (baseType == "boolean")
        {
            var format = (Text("format") ?? "true|false").Split('|');
            (trueValue, falseValue) = (format[0], format.Length > 1 ? format[1] : "");
        }

        return new CsvColumn(name, titles, baseType,
            column.TryGetProperty("required", out var required) && required.GetBoolean(),
            Number("minimum"), Number("maximum"),
            Text("pattern") is { } pattern ? new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) : null,
            Length("minLength"), Length("maxLength"), trueValue, falseValue,
            column.TryGetProperty("schema:example", out var example) ? example.GetString() : null);
    }
}
