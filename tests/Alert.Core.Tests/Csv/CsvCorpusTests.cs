using System.Text.RegularExpressions;
using Alert.Core.Csv;

namespace Alert.Core.Tests.Csv;

/// <summary>
/// The conformance corpus: files named format.what-it-shows[.encoding].csv; each invalid file has a sidecar .expected
/// listing the problem codes and lines it must produce, no more and no fewer.
/// </summary>
public class CsvCorpusTests
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Csv", "corpus");

    public static TheoryData<string> ValidFiles => Files("valid");

    public static TheoryData<string> InvalidFiles => Files("invalid");

    private static TheoryData<string> Files(string folder) =>
        [.. Directory.GetFiles(Path.Combine(Corpus, folder), "*.csv").Select(f => Path.GetFileName(f)).Order()];

    [Fact]
    public void The_corpus_has_at_least_5_valid_and_20_invalid_files()
    {
        ValidFiles.Count.ShouldBeGreaterThanOrEqualTo(5);
        InvalidFiles.Count.ShouldBeGreaterThanOrEqualTo(20);
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Valid_files_have_no_problems_and_every_row_comes_back(string file)
    {
        var (problems, rows, encoding) = Read(Path.Combine(Corpus, "valid", file));

        problems.ShouldBeEmpty();
        rows.ShouldBeGreaterThan(0);
        encoding.ShouldBe(file.Contains(".sjis.", StringComparison.Ordinal) ? CsvTableReader.ShiftJis
            : file.Contains(".utf8-bom.", StringComparison.Ordinal) ? CsvTableReader.Utf8Bom : CsvTableReader.Utf8);
    }

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public void Invalid_files_give_exactly_the_expected_problems_at_their_lines(string file)
    {
        var path = Path.Combine(Corpus, "invalid", file);
        var expected = Expected(path);

        var (problems, _, _) = Read(path);

        problems.Select(p => $"{p.Code} {(p.Line is { } line ? line.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}")
            .ShouldBe(expected, ignoreOrder: true);
        problems.ShouldAllBe(p => p.Ja.Length > 0 && p.En.Length > 0);
    }

    [Fact]
    public void Every_code_the_csv_validator_can_emit_is_fired_by_a_corpus_file()
    {
        var fired = Directory.GetFiles(Path.Combine(Corpus, "invalid"), "*.csv").SelectMany(f => Read(f).Problems).Select(p => p.Code).ToHashSet();

        // A file past 20 MiB or 100,000 rows is too big to keep in the repository: those two are built by the hostile tests.
        var tooBigForFiles = CsvLimitTests.HostileInputs().Select(h => h.Read().Problems[^1].Code).Except(fired).ToList();
        tooBigForFiles.ShouldBe(["csv.limit.bytes", "csv.limit.rows"], ignoreOrder: true);
        AllCodes().Except(fired).ShouldBe(tooBigForFiles, ignoreOrder: true);
    }

    [Fact]
    public void Every_code_is_documented_in_the_schemas_readme()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "schemas", "csv", "README.md"));

        AllCodes().Where(code => !readme.Contains($"`{code}`", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    /// <summary>The codes written in the CSV sources, and those of the code and evacuation rules they reuse.</summary>
    private static HashSet<string> AllCodes()
    {
        var source = string.Concat(Directory.GetFiles(Path.Combine(RepositoryRoot(), "src", "Alert.Core", "Csv"), "*.cs").Select(File.ReadAllText));
        var codes = Regex.Matches(source, "\"((?:csv|evacuation)\\.[a-z.-]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        codes.UnionWith(["code.format", "code.check-digit", "code.prefecture", Notices.Evacuation.AbolishedProblem.Code]);
        return codes;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir.FullName, "Alert.sln"))) dir = dir.Parent ?? throw new DirectoryNotFoundException("Alert.sln");
        return dir.FullName;
    }

    private static List<string> Expected(string csvPath) =>
        File.ReadAllLines(Path.ChangeExtension(csvPath, ".expected")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    /// <summary>Reads a corpus file with the format its name starts with.</summary>
    internal static (IReadOnlyList<Problem> Problems, int Rows, string? Encoding) Read(string path, CsvLimits? limits = null)
    {
        using var file = File.OpenRead(path);
        return Path.GetFileName(path).Split('.')[0] switch
        {
            "sites" => Summary(CsvFormats.ReadEmergencySites(file, limits)),
            "shelters" => Summary(CsvFormats.ReadDesignatedShelters(file, limits)),
            "status" => Summary(CsvFormats.ReadShelterStatus(file, limits)),
            "districts" => Summary(CsvFormats.ReadEvacuationDistricts(file, limits)),
            "lifeline" => Summary(CsvFormats.ReadLifelineStatus(file, limits)),
            "places" => Summary(CsvFormats.ReadLifeSupportPlaces(file, limits)),
            var other => throw new InvalidOperationException($"No format named {other}"),
        };
    }

    private static (IReadOnlyList<Problem>, int, string?) Summary<T>(CsvReadResult<T> result) => (result.Problems, result.Rows.Count, result.Encoding);
}
