using System.Net.Http.Json;
using System.Text.Json;
using Alert.Cli;
using Alert.Hub.Tests.Support;

namespace Alert.Hub.Tests;

/// <summary>
/// The benchmarks that drive a running hub, on a small scale against the embedded hub on a real port: every receipt
/// owed counted at the benchmark's own receivers, the figures written, and nothing of the run left behind on the hub
/// (a benchmark run on a production hub must not leave subscribers, nor issuers whose keys work). Rates are not judged
/// here.
/// </summary>
public sealed class LoadBenchTests(ListeningHub hub) : IClassFixture<ListeningHub>
{
    /// <summary>`alert bench burst` and `alert bench drill`: every notice accepted and every receipt owed at their webhooks and streams, no repeats.</summary>
    [Theory]
    [InlineData("drill", "--concurrency", "4")]
    [InlineData("burst", "--within", "0.5")]
    public async Task Counts_every_receipt_owed_writes_the_figures_and_leaves_nothing_behind(string scenario, string option, string value)
    {
        var markdown = Path.Combine(Path.GetTempPath(), $"load-bench-{Guid.NewGuid():N}.md");
        try
        {
            // 57 webhooks: one per prefecture and 10 national, so each notice is owed 11 deliveries; one stream per prefecture.
            var r = await RunAsync(scenario, "--issuers", "12", "--notices", "24", "--webhooks", "57", "--streams", "47", option, value, "--markdown", markdown);

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

            await NoSubscriberNamedAsync($"load bench {scenario}-");
            using var identities = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/admin/identities");
            var issuers = (await identities.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
                .Where(i => i.GetProperty("id").GetString()!.StartsWith($"{scenario}-", StringComparison.Ordinal)).ToList();
            issuers.Count.ShouldBe(12);
            issuers.ShouldAllBe(i => i.GetProperty("disabledAt").ValueKind == JsonValueKind.String);
        }
        finally
        {
            File.Delete(markdown);
        }
    }

    /// <summary>`alert bench fanout`, scenario 3 of the load issue in small: each notice's receipts at every subscriber and stream.</summary>
    [Fact]
    public async Task Fanout_counts_each_notices_receipts_at_every_webhook_and_stream_and_removes_its_subscribers()
    {
        var figures = await RunAsync("fanout", "--issuer-key", HubFixture.IssuerKey, "--code", "43100", "--subscribers", "6", "--streams", "10", "--notices", "2");

        (figures.GetProperty("webhooks").GetInt32(), figures.GetProperty("streams").GetInt32()).ShouldBe((6, 10));
        var rows = figures.GetProperty("notices").EnumerateArray().ToList();
        rows.Count.ShouldBe(3); // the warm-up, the notice measured, and the overall row of the one measured
        foreach (var row in rows)
        {
            row.GetProperty("Webhooks").GetProperty("Received").GetInt32().ShouldBe(6);
            row.GetProperty("Streams").GetProperty("Received").GetInt32().ShouldBe(10);
        }
        await NoSubscriberNamedAsync("fan-out bench");
    }

    /// <summary>`alert bench latency`: one notice at a time, each waited for at the webhook before the next.</summary>
    [Fact]
    public async Task Latency_times_each_notice_to_its_receipt_and_removes_its_subscriber()
    {
        var figures = await RunAsync("latency", "--issuer-key", HubFixture.IssuerKey, "--code", "43100", "--count", "3");

        var rows = figures.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("Name").GetString()!);
        var (accepted, received) = (rows["POST → 202 Accepted"], rows["POST → webhook received"]);
        accepted.GetProperty("Min").GetDouble().ShouldBeGreaterThan(0);
        // A receipt comes after its own 202, so its times are the longer.
        received.GetProperty("Min").GetDouble().ShouldBeGreaterThanOrEqualTo(accepted.GetProperty("Min").GetDouble());
        await NoSubscriberNamedAsync("latency bench");
    }

    /// <summary>Runs `alert bench NAME` against the hub with the admin key; it must exit 0. Returns the figures it wrote as JSON.</summary>
    private async Task<JsonElement> RunAsync(string name, params string[] options)
    {
        var json = Path.Combine(Path.GetTempPath(), $"load-bench-{Guid.NewGuid():N}.json");
        try
        {
            var exit = await AlertCommand.Build().Parse(["bench", name, "--hub", hub.Client.BaseAddress!.ToString(), "--admin-key", HubFixture.AdminKey,
                "--json", json, .. options]).InvokeAsync();
            exit.ShouldBe(0);
            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            return figures.RootElement.Clone();
        }
        finally
        {
            File.Delete(json);
        }
    }

    private async Task NoSubscriberNamedAsync(string name)
    {
        using var subscribers = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/subscribers");
        subscribers.EnsureSuccessStatusCode();
        (await subscribers.Content.ReadAsStringAsync()).ShouldNotContain(name);
    }
}
