using System.Net.Http.Json;
using System.Text.Json;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// The conformance corpus (tests/Alert.Hub.Tests/Corpus/{format}/{valid,invalid}) through the hub's own dry run, so
/// schema, rules, geocoding and the issuer's area all take part. Each invalid document has a .expected file with the
/// one problem code it must get and its line (XML) or JSON path.
/// </summary>
public class CorpusTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static TheoryData<string> Valid => Files("valid");

    public static TheoryData<string> Invalid => Files("invalid");

    private static TheoryData<string> Files(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetDirectories(Root).SelectMany(format => Directory.GetFiles(Path.Combine(format, kind)))
                     .Where(f => !f.EndsWith(".expected", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Root, file));
        return data;
    }

    private async Task<JsonElement> ValidateAsync(string file)
    {
        var contentType = file.Split('/', '\\')[0] switch
        {
            "cap" => "application/cap+xml",
            "notice-xml" => "application/vnd.alert-hub.notice+xml",
            _ => "application/json",
        };
        using var response = await hub.PostCapAsync(await File.ReadAllTextAsync(Path.Combine(Root, file)), contentType: contentType, path: "/api/v1/notices/validate");
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public async Task Valid_documents_pass(string file)
    {
        var report = await ValidateAsync(file);

        report.GetProperty("valid").GetBoolean().ShouldBeTrue(report.ToString());
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Invalid_documents_get_exactly_their_problem(string file)
    {
        var expected = (await File.ReadAllTextAsync(Path.Combine(Root, Path.ChangeExtension(file, ".expected")))).Trim().Split(' ');

        var report = await ValidateAsync(file);

        var error = report.GetProperty("errors").EnumerateArray().ShouldHaveSingleItem(report.ToString());
        error.GetProperty("code").GetString().ShouldBe(expected[0]);
        if (int.TryParse(expected[1], out var line)) error.GetProperty("line").GetInt32().ShouldBe(line);
        else error.GetProperty("path").GetString().ShouldBe(expected[1]);
        if (file.EndsWith(".json", StringComparison.Ordinal))
            error.GetProperty("line").ValueKind.ShouldBe(JsonValueKind.Number, "JSON problems point at a line too");
    }

    /// <summary>Every rule the readers and the intake can apply is made to fire by some document of the corpus.</summary>
    [Fact]
    public void Every_rule_fires_somewhere_in_the_corpus()
    {
        string[] rules =
        [
            "xml.dtd", "xml.malformed", "cap.root", "notice.root", "notice.json",
            "cap.schema.unexpected-element", "cap.schema.invalid-value", "notice.schema.unexpected-element", "notice.schema.invalid-value",
            "cap.sent.invalid", "cap.area.no-code", "cap.info.missing", "cap.references.missing", "cap.references.format",
            "cap.status.unsupported", "cap.msgtype.unsupported", "cap.scope.unsupported",
            "code.format", "code.check-digit", "code.prefecture", "code.unknown",
            "notice.revision.first", "notice.revision.not-first", "notice.reason.missing", "notice.body.missing", "notice.body.on-cancel",
            "notice.times.order", "notice.time.invalid", "notice.number.too-large",
            "evacuation.abolished-level", "evacuation.level.unknown", "evacuation.level.not-for-hazard", "evacuation.district.no-place",
            "evacuation.times.order", "shelter.times.order", "geo.polygon.invalid", "geo.location.out-of-bounds",
            "shelter.location.outside-area", "notice.out-of-scope", "geo.polygon.outside-area", "notice.item.null", "notice.document-id.invalid",
            "notice.areas.missing", "notice.number.negative", "notice.text.blank", "cap.identifier.invalid", "cap.sender.invalid", "geo.district.unknown",
            "geo.circle.invalid", "geo.shape.no-municipality", "cap.times.order",
        ];
        var fired = Directory.GetFiles(Root, "*.expected", SearchOption.AllDirectories).Select(f => File.ReadAllText(f).Split(' ')[0]).ToHashSet();

        rules.Where(r => !fired.Contains(r)).ShouldBeEmpty();
    }
}
