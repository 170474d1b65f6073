using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
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
        ("XML attacks", f => Notices(f, "XML attacks", HandWritten.XmlAttacks(f.ListenerPort, f.Connected), perCase: true), false),
        ("sizes and limits", f => Notices(f, "sizes and limits", HandWritten.Sizes(), perCase: true), false),
        ("wrong encodings", f => Notices(f, "wrong encodings", HandWritten.Encodings(), perCase: true), false),
        ("JSON attacks", f => Notices(f, "JSON attacks", HandWritten.JsonAttacks(), perCase: true), false),
        ("CSV attacks", f => Notices(f, "CSV attacks", HandWritten.CsvAttacks(), perCase: true), false),
        ("CSV formula injection", FormulaInjection, false),
        ("hostile subscribers", Subscribers, false),
        ("hostile queries", Queries, false),
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
    [Fact] public Task XXE_entity_expansion_depth_and_breadth_are_refused_without_fetching_anything() => Holds("XML attacks");
    [Fact] public Task Bodies_at_and_past_the_size_limit_are_answered_by_size() => Holds("sizes and limits");
    [Fact] public Task Wrong_encodings_are_refused_or_read_as_declared() => Holds("wrong encodings");
    [Fact] public Task JSON_tricks_are_refused_or_valid() => Holds("JSON attacks");
    [Fact] public Task Hostile_CSV_sheets_are_refused_or_valid() => Holds("CSV attacks");
    [Fact] public Task CSV_formulas_are_stored_inert_and_never_written_back_as_CSV() => Holds("CSV formula injection");
    [Fact] public Task Hostile_subscribers_are_refused_and_not_stored() => Holds("hostile subscribers");
    [Fact] public Task Hostile_queries_get_problem_answers() => Holds("hostile queries");

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
        handWritten.ShouldBeGreaterThanOrEqualTo(200);
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

    /// <summary>
    /// Formulas in the free-text cells of a sheet (district names beside an area code, lifeline areas). The hub may
    /// refuse them or store them; stored, they may come back only inside XML or JSON (data, not formulas): the hub
    /// must never answer with CSV, nor hand the sheet back as sent.
    /// </summary>
    private static async Task<CategoryResult> FormulaInjection(HostileHub f)
    {
        var lines = new List<string>();
        var violations = new List<string>();
        var cases = new List<(HostileCase Case, string Value)>();
        foreach (var formula in HandWritten.Formulas)
        {
            var cell = Mutations.Written(new Site(0, 0, SiteKind.CsvCell), formula);
            cases.Add((new HostileCase($"district name {Show(formula)}",
                Encoding.UTF8.GetBytes(HandWritten.DistrictsHeader + $"{cell},431010,4,洪水,10,20,2026-07-01 03:00,\n"), "text/csv",
                $"sheet=evacuation-districts&documentId={Samples.Unique("formula")}"), formula.Trim()));
            cases.Add((new HostileCase($"lifeline area {Show(formula)}",
                Encoding.UTF8.GetBytes($"種別,状況,影響世帯数,地域,復旧見込み,更新日時\n停電,停止,10,{cell},,2026-07-01 03:30\n"), "text/csv",
                $"sheet=lifeline-status&documentId={Samples.Unique("formula")}"), formula.Trim()));
        }

        foreach (var (c, value) in cases)
        {
            var (answer, broken) = await f.Probe.PostNoticeAsync(c);
            violations.AddRange(broken.Select(b => $"- {c.Describe()}\n    → {b}"));
            if (answer.Status != 202)
            {
                lines.Add(Line(answer, c.Name + " — refused"));
                continue;
            }
            var id = JsonDocument.Parse(answer.Body).RootElement.GetProperty("id").GetString()!;
            var outputs = new List<string>();
            foreach (var (path, accept, key) in (IEnumerable<(string, string?, string?)>)
                     [
                         ($"/api/v1/notices/{id}/cap", null, null), ($"/api/v1/notices/{id}/revisions/1/notice.xml", null, null),
                         ($"/api/v1/notices/{id}/revisions/1/notice.json", null, null), ($"/api/v1/notices/{id}/area", null, null),
                         ($"/api/v1/notices/{id}", "text/csv", HubFixture.IssuerKey), ($"/api/v1/notices/{id}/revisions/1/cap", "text/csv", null),
                         ("/feeds/notices.atom", "text/csv", null), ("/feeds/notices.json", null, null), ("/api/v1/alerts?code=431001", "text/csv", null),
                     ])
            {
                var got = await f.Probe.SendAsync(HttpMethod.Get, path, null, null, key, configure: accept is null ? null : r => r.Headers.TryAddWithoutValidation("Accept", accept));
                var problem = HostileProbe.Common(got).FirstOrDefault() ?? Inert(got, value, c.Body);
                var holds = got.Body.Contains(value, StringComparison.Ordinal) || got.Body.Contains(JsonSerializer.Serialize(value)[1..^1], StringComparison.Ordinal);
                outputs.Add($"{got.MediaType ?? got.Status?.ToString(CultureInfo.InvariantCulture)}{(holds ? " (holds it)" : "")}");
                if (problem is not null) violations.Add($"- {c.Describe()}\n    → accepted; GET {path}: {problem}");
            }
            lines.Add(Line(answer, $"{c.Name} — stored; comes back as {string.Join(", ", outputs)}"));
        }
        if (await ReadyAsync(f) is { } notReady) violations.Add(notReady);
        return new CategoryResult("CSV formula injection", cases.Count, lines, violations);

        static string Show(string formula) => formula.Replace("\t", "\\t", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
    }

    /// <summary>Null when the answer is not CSV, is not the sheet as sent, and holds the value only as XML or JSON data.</summary>
    private static string? Inert(HostileAnswer answer, string value, byte[] sheet)
    {
        if (answer.MediaType?.Contains("csv", StringComparison.OrdinalIgnoreCase) == true) return $"answered as {answer.MediaType}";
        if (answer.Body == Encoding.UTF8.GetString(sheet)) return "the sheet came back as sent";
        if (!answer.Body.Contains(value, StringComparison.Ordinal) && !answer.Body.Contains(JsonEncoded(value), StringComparison.Ordinal)) return null;
        try
        {
            if (answer.MediaType?.Contains("json", StringComparison.Ordinal) == true)
                return Strings(JsonDocument.Parse(answer.Body).RootElement).Any(s => s.Contains(value, StringComparison.Ordinal)) ? null : "the value stands outside any JSON string";
            if (answer.MediaType?.Contains("xml", StringComparison.Ordinal) == true)
            {
                var doc = XDocument.Parse(answer.Body);
                return doc.DescendantNodes().OfType<XText>().Any(t => t.Value.Contains(value, StringComparison.Ordinal))
                    || doc.Descendants().Attributes().Any(a => a.Value.Contains(value, StringComparison.Ordinal)) ? null : "the value stands outside any XML text";
            }
        }
        catch (Exception ex) when (ex is JsonException or System.Xml.XmlException)
        {
            return $"holds the value but is not well-formed {answer.MediaType}: {ex.Message}";
        }
        return $"holds the value in {answer.MediaType ?? "an untyped answer"}";

        static string JsonEncoded(string v) => JsonSerializer.Serialize(v)[1..^1];
        static IEnumerable<string> Strings(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => [e.GetString()!],
            JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Strings(p.Value)),
            JsonValueKind.Array => e.EnumerateArray().SelectMany(Strings),
            _ => [],
        };
    }

    private static async Task<CategoryResult> Subscribers(HostileHub f)
    {
        var lines = new List<string>();
        var violations = new List<string>();
        var cases = HostileRequests.Subscribers();
        foreach (var c in cases)
        {
            var before = await f.Probe.RowsAsync();
            var answer = await f.Probe.SendAsync(HttpMethod.Post, "/api/v1/subscribers", c.Body, c.ContentType, HubFixture.AdminKey);
            var after = await f.Probe.RowsAsync();
            var broken = HostileProbe.Common(answer);
            var described = $"{c.Name} [{c.Body.Length:N0} bytes] {Encoding.UTF8.GetString(c.Body.Length > 160 ? c.Body[..160] : c.Body)}";
            if (answer.Status == 201)
            {
                if (!c.MayCreate) broken.Add("created (201): this subscriber should have been refused");
                var id = JsonDocument.Parse(answer.Body).RootElement.GetProperty("id").GetString()!;
                await f.Probe.SendAsync(HttpMethod.Delete, $"/api/v1/subscribers/{id}", null, null, HubFixture.AdminKey); // receives nothing from later cases
            }
            else if (answer.Status is >= 400 and < 500)
            {
                if (after.Subscribers != before.Subscribers) broken.Add($"refused with {answer.Status} but subscribers went {before.Subscribers} → {after.Subscribers}");
            }
            else if (answer.Status is not null and < 500) broken.Add($"unexpected status {answer.Status}");
            if (c.Check?.Invoke(answer) is { } wrong) broken.Add(wrong);
            lines.Add(Line(answer, c.Name));
            violations.AddRange(broken.Select(b => $"- {described}\n    → {b}"));
        }
        if (await ReadyAsync(f) is { } notReady) violations.Add(notReady);
        return new CategoryResult("hostile subscribers", cases.Count, lines, violations);
    }

    private static async Task<CategoryResult> Queries(HostileHub f)
    {
        var lines = new List<string>();
        var violations = new List<string>();
        var cases = HostileRequests.Queries();
        foreach (var c in cases)
        {
            var answer = await f.Probe.SendAsync(HttpMethod.Get, c.Path, null, null, null, configure: c.Configure, headersOnly: c.Stream);
            var broken = HostileProbe.Common(answer);
            if (answer.Status is { } status && status < 500 && !c.Allowed.Contains(status))
                broken.Add($"answered {status}{(answer.MediaType == "text/event-stream" ? " and opened a stream" : "")}, expected {string.Join(" or ", c.Allowed)}");
            if (c.Check?.Invoke(answer) is { } wrong) broken.Add(wrong);
            lines.Add(Line(answer, c.Name));
            violations.AddRange(broken.Select(b => $"- {c.Name}: GET {(c.Path.Length > 160 ? c.Path[..160] + "…" : c.Path)}\n    → {b}"));
        }
        if (await ReadyAsync(f) is { } notReady) violations.Add(notReady);
        return new CategoryResult("hostile queries", cases.Count, lines, violations);
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
