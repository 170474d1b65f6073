using System.Net.Http.Json;
using System.Text.Json;
using Alert.Cli;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// `alert bench burst` and `alert bench drill` on a small scale against the embedded hub on a real port: every notice
/// accepted, every receipt owed counted at the benchmark's own webhook receivers and streams with no repeats, the
/// figures written as JSON and Markdown, and nothing of the run left behind on the hub (its subscribers removed, its
/// issuers disabled: a benchmark run on a production hub must not leave keys that work). Rates are not judged here.
/// </summary>
public sealed class LoadBenchTests(ListeningHub hub) : IClassFixture<ListeningHub>
{
    [Theory]
    [InlineData("drill", "--concurrency", "4")]
    [InlineData("burst", "--within", "0.5")]
    public async Task Counts_every_receipt_owed_writes_the_figures_and_leaves_nothing_behind(string scenario, string option, string value)
    {
        var (json, markdown) = (Temp("json"), Temp("md"));
        try
        {
            // 57 webhooks: one per prefecture and 10 national, so each notice is owed 11 deliveries; one stream per prefecture.
            var exit = await AlertCommand.Build().Parse(["bench", scenario, "--hub", hub.Client.BaseAddress!.ToString(), "--admin-key", HubFixture.AdminKey,
                "--issuers", "12", "--notices", "24", "--webhooks", "57", "--streams", "47", option, value, "--json", json, "--markdown", markdown]).InvokeAsync();

            exit.ShouldBe(0);
            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var r = figures.RootElement;
            (r.GetProperty("Issuers").GetInt32(), r.GetProperty("Webhooks").GetInt32(), r.GetProperty("Streams").GetInt32()).ShouldBe((12, 57, 47));
            (r.GetProperty("Submitted").GetInt32(), r.GetProperty("Accepted").GetInt32()).ShouldBe((24, 24));
            r.GetProperty("WebhooksOwed").GetInt64().ShouldBe(24 * 11);
            r.GetProperty("WebhooksReceived").GetInt64().ShouldBe(24 * 11);
            r.GetProperty("WebhookRepeats").GetInt64().ShouldBe(0);
            r.GetProperty("StreamEventsOwed").GetInt64().ShouldBe(24);
            r.GetProperty("StreamEventsReceived").GetInt64().ShouldBe(24);
            r.GetProperty("NoticesComplete").GetInt32().ShouldBe(24);
            r.GetProperty("LastReceipt").GetProperty("P99").GetDouble().ShouldBeGreaterThan(0);
            (await File.ReadAllTextAsync(markdown)).ShouldContain("notices/s accepted");

            using var subscribers = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/subscribers");
            (await subscribers.Content.ReadAsStringAsync()).ShouldNotContain($"load bench {scenario}-");
            using var identities = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/admin/identities");
            var runs = (await identities.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
                .Where(i => i.GetProperty("id").GetString()!.StartsWith($"{scenario}-", StringComparison.Ordinal)).ToList();
            runs.Count.ShouldBe(12);
            runs.ShouldAllBe(i => i.GetProperty("disabledAt").ValueKind == JsonValueKind.String);
        }
        finally
        {
            File.Delete(json);
            File.Delete(markdown);
        }
    }

    /// <summary>`alert bench fanout`, scenario 3 of the load issue in small: each notice's receipts at every subscriber and stream.</summary>
    [Fact]
    public async Task Fanout_counts_each_notices_receipts_at_every_webhook_and_stream_and_removes_its_subscribers()
    {
        var json = Temp("json");
        try
        {
            var exit = await AlertCommand.Build().Parse(["bench", "fanout", "--hub", hub.Client.BaseAddress!.ToString(), "--admin-key", HubFixture.AdminKey,
                "--issuer-key", HubFixture.IssuerKey, "--code", "43100", "--subscribers", "6", "--streams", "10", "--notices", "2", "--json", json]).InvokeAsync();

            exit.ShouldBe(0);
            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            (figures.RootElement.GetProperty("webhooks").GetInt32(), figures.RootElement.GetProperty("streams").GetInt32()).ShouldBe((6, 10));
            var rows = figures.RootElement.GetProperty("notices").EnumerateArray().ToList();
            rows.Count.ShouldBe(3); // the warm-up, the notice measured, and the overall row of the one measured
            foreach (var row in rows)
            {
                row.GetProperty("Webhooks").GetProperty("Received").GetInt32().ShouldBe(6);
                row.GetProperty("Streams").GetProperty("Received").GetInt32().ShouldBe(10);
            }
            using var subscribers = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/subscribers");
            (await subscribers.Content.ReadAsStringAsync()).ShouldNotContain("fan-out bench");
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static string Temp(string extension) => Path.Combine(Path.GetTempPath(), $"load-bench-{Guid.NewGuid():N}.{extension}");
}
