using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Alert.Hub.Tests.Support;
using Xunit.Abstractions;

namespace Alert.Hub.Tests.Hostile;

/// <summary>
/// Malformed and hostile notices, subscribers and queries, generated and written by hand. Whatever comes in, the hub
/// answers in time, never with a 5xx, refuses with problem+json (a code; per error its code, where, Japanese and
/// English), stores nothing it refused, accepts only what its own dry run calls valid, and is still ready afterwards.
/// </summary>
[Collection(HostileInput.Name)]
public class HostileInputTests(HostileHub fixture, ITestOutputHelper output) : IClassFixture<HostileHub>
{
    private static readonly IReadOnlyList<HostileCase> Generated = Generator.Cases();

    /// <summary>The groups of cases, each run once whichever test asks first.</summary>
    private static readonly (string Name, Func<HostileHub, Task<CategoryResult>> Run, bool IsGenerated)[] Categories =
    [
        ("generated CAP", f => Notices(f, "generated CAP", Generated.Where(c => c.Source.StartsWith("cap/", StringComparison.Ordinal)).ToList(), perCase: false), true),
        ("generated native XML", f => Notices(f, "generated native XML", Generated.Where(c => c.Source.StartsWith("notice-xml/", StringComparison.Ordinal)).ToList(), perCase: false), true),
        ("generated native JSON", f => Notices(f, "generated native JSON", Generated.Where(c => c.Source.StartsWith("notice-json/", StringComparison.Ordinal)).ToList(), perCase: false), true),
        ("generated CSV", f => Notices(f, "generated CSV", Generated.Where(c => c.Source.StartsWith("csv/", StringComparison.Ordinal)).ToList(), perCase: false), true),
    ];

    private Task<CategoryResult> Run(string name) => fixture.RunOnce(name, Categories.Single(c => c.Name == name).Run);

    private async Task Holds(string name)
    {
        var result = await Run(name);
        output.WriteLine($"{result.Category}: {result.Cases} cases");
        foreach (var line in result.Lines) output.WriteLine(line);
        (await ReadyAsync(fixture)).ShouldBeNull();
        result.Violations.ShouldBeEmpty($"{result.Violations.Count} of {result.Cases} {result.Category} cases broke a rule:\n" + string.Join("\n", result.Violations));
    }

    [Fact]
    public async Task The_samples_the_generator_starts_from_are_valid()
    {
        foreach (var sample in Samples.All)
        {
            var unique = Samples.Unique("sample");
            var answer = await fixture.Probe.SendAsync(HttpMethod.Post, (sample.Sheet is null ? "/api/v1/notices/validate" : $"/api/v1/notices/validate?{sample.Query(unique)}"),
                sample.Encode(sample.Text(unique)), sample.ContentType, HubFixture.IssuerKey);
            answer.Status.ShouldBe(200, sample.Name);
            JsonDocument.Parse(answer.Body).RootElement.GetProperty("valid").GetBoolean().ShouldBeTrue($"{sample.Name}: {answer.Body}");
        }
    }

    [Fact]
    public void The_generator_makes_the_same_cases_every_time()
    {
        var again = Generator.Cases();
        again.Count.ShouldBe(Generated.Count);
        for (var i = 0; i < again.Count; i++)
        {
            again[i].Name.ShouldBe(Generated[i].Name);
            again[i].Body.ShouldBe(Generated[i].Body, again[i].Name);
        }
    }

    [Fact] public Task Generated_CAP_documents_are_refused_or_valid() => Holds("generated CAP");
    [Fact] public Task Generated_native_XML_notices_are_refused_or_valid() => Holds("generated native XML");
    [Fact] public Task Generated_native_JSON_notices_are_refused_or_valid() => Holds("generated native JSON");
    [Fact] public Task Generated_CSV_sheets_are_refused_or_valid() => Holds("generated CSV");

    [Fact]
    public async Task The_suite_runs_every_case_and_the_hub_stays_ready()
    {
        var clock = Stopwatch.StartNew();
        var results = new List<(CategoryResult Result, bool IsGenerated)>();
        foreach (var (name, _, isGenerated) in Categories) results.Add((await Run(name), isGenerated));

        var generated = results.Where(r => r.IsGenerated).Sum(r => r.Result.Cases);
        var handWritten = results.Where(r => !r.IsGenerated).Sum(r => r.Result.Cases);
        foreach (var (result, isGenerated) in results)
            output.WriteLine($"{(isGenerated ? "generated" : "hand-written"),-12} {result.Category,-24} {result.Cases,4} cases, {result.Violations.Count} broke a rule");
        output.WriteLine($"total: {generated + handWritten} cases run ({generated} generated, {handWritten} hand-written), " +
            $"{results.Sum(r => r.Result.Violations.Count)} broke a rule; waited {clock.Elapsed.TotalSeconds:N1} s here");

        generated.ShouldBe(Generated.Count);
        generated.ShouldBeGreaterThanOrEqualTo(200);
        (await ReadyAsync(fixture)).ShouldBeNull();
    }

    // ---- runners ----------------------------------------------------------------------------------------------------

    private static async Task<string?> ReadyAsync(HostileHub f)
    {
        var ready = await f.Probe.SendAsync(HttpMethod.Get, "/health/ready", null, null, null);
        return ready.Status == 200 ? null : $"/health/ready answered {ready.Status?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}: {ready.Excerpt}";
    }

    private static string Line(HostileAnswer answer, string name) =>
        $"  {answer.Status?.ToString(CultureInfo.InvariantCulture) ?? "---"} {answer.Took.TotalMilliseconds,7:N0} ms  {name}";

    private static async Task<CategoryResult> Notices(HostileHub f, string category, List<HostileCase> cases, bool perCase)
    {
        var lines = new List<string>();
        var violations = new List<string>();
        var answers = new List<(HostileCase Case, HostileAnswer Answer)>();
        foreach (var c in cases)
        {
            var (answer, broken) = await f.Probe.PostNoticeAsync(c);
            answers.Add((c, answer));
            if (perCase) lines.Add(Line(answer, c.Name));
            violations.AddRange(broken.Select(b => $"- {c.Describe()}\n    → {b}"));
        }
        if (!perCase)
        {
            lines.Add("  statuses: " + string.Join(", ", answers.GroupBy(a => a.Answer.Status?.ToString(CultureInfo.InvariantCulture) ?? "none").OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}")));
            lines.Add("  slowest: " + string.Join("; ", answers.OrderByDescending(a => a.Answer.Took).Take(3).Select(a => $"{a.Answer.Took.TotalMilliseconds:N0} ms {a.Case.Name}")));
        }
        if (await ReadyAsync(f) is { } notReady) violations.Add(notReady);
        return new CategoryResult(category, cases.Count, lines, violations);
    }
}

/// <summary>
/// The suite runs alone, after the others: it loads the CPU on purpose, which would slow tests that measure delivery
/// times, and its own time limits should not count other tests' load.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileInput
{
    public const string Name = "Hostile input";
}
