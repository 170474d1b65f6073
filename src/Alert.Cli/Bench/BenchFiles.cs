using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alert.Cli.Bench;

/// <summary>How the benchmarks write their figures to the files asked for (--markdown, --json).</summary>
public static class BenchFiles
{
    /// <summary>Indented, and NaN (nothing measured) written as a value rather than failing the run at its end.</summary>
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>A heading line, then a Markdown table; figures written the same whatever the machine's culture.</summary>
    public static string Table(string heading, IReadOnlyList<string> columns, IEnumerable<FormattableString[]> rows)
    {
        var text = new StringBuilder($"{heading}\n\n| {string.Join(" | ", columns)} |\n|{string.Concat(columns.Select(_ => " --- |"))}\n");
        foreach (var row in rows) text.Append(CultureInfo.InvariantCulture, $"| {string.Join(" | ", row.Select(cell => cell.ToString(CultureInfo.InvariantCulture)))} |\n");
        return text.ToString();
    }

    public static async Task WriteAsync(FileInfo? markdown, string table, FileInfo? json, object figures, CancellationToken ct)
    {
        if (markdown is not null) await File.WriteAllTextAsync(markdown.FullName, table, ct);
        if (json is not null) await File.WriteAllTextAsync(json.FullName, JsonSerializer.Serialize(figures, Options), ct);
    }
}
