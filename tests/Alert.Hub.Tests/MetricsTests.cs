using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alert.Hub.Messaging;
using Alert.Hub.Tests.Support;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests;

/// <summary>
/// <c>/metrics</c>: valid Prometheus text that counts what the hub did — a notice accepted and one refused with its
/// code, its fan-out and delivery, histograms whose buckets add up — and what waits in the database.
/// </summary>
public sealed partial class MetricsTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|\+Inf)$""")]
    private static partial Regex Sample();

    private Task<string> ScrapeAsync() => ScrapeAsync(hub);

    internal static async Task<string> ScrapeAsync(HubFixture hub)
    {
        using var response = await hub.Client.GetAsync("/metrics");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().ShouldBe("text/plain; version=0.0.4; charset=utf-8");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of one series (name and labels exactly as written), 0 when it is not there yet.</summary>
    internal static double Value(string text, string series) => Alert.Cli.Bench.OutboxWatch.Sample(text, series) ?? 0;

    [Fact]
    public async Task Counts_what_the_hub_did_in_prometheus_text()
    {
        var (_, hook) = await hub.SubscribeAsync(["43"]);
        var before = await ScrapeAsync();

        using var accepted = await hub.PostCapAsync(StreamTests.Order());
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var refused = await hub.PostCapAsync("<alert>not CAP</alert>");
        refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var code = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        await hub.Sink.WaitForDocumentAsync(hook, id);

        // The delivered state is counted once its row is written, just after the receiver answered.
        var after = "";
        await HubFixture.Eventually(async () =>
        {
            after = await ScrapeAsync();
            return Value(after, "alert_webhook_deliveries_total{state=\"delivered\"}") > Value(before, "alert_webhook_deliveries_total{state=\"delivered\"}");
        }, "the delivery counted");

        Value(after, "alert_intake_notices_total{outcome=\"accepted\"}").ShouldBe(Value(before, "alert_intake_notices_total{outcome=\"accepted\"}") + 1);
        var refusals = $"alert_intake_notices_total{{code=\"{code}\",outcome=\"refused\"}}";
        Value(after, refusals).ShouldBe(Value(before, refusals) + 1);
        Value(after, "alert_fanout_deliveries_total").ShouldBeGreaterThan(Value(before, "alert_fanout_deliveries_total"));
        Value(after, "alert_intake_duration_seconds_count").ShouldBe(Value(before, "alert_intake_duration_seconds_count") + 1);
        // Both submissions were checked; only the one that parsed was geocoded.
        Value(after, "alert_intake_check_duration_seconds_count").ShouldBe(Value(before, "alert_intake_check_duration_seconds_count") + 2);
        Value(after, "alert_intake_geocode_duration_seconds_count").ShouldBe(Value(before, "alert_intake_geocode_duration_seconds_count") + 1);
        Value(after, "alert_webhook_post_duration_seconds_count{outcome=\"ok\"}").ShouldBeGreaterThan(0);
        Value(after, "alert_outbox_unsent").ShouldBeGreaterThanOrEqualTo(0);
        after.ShouldContain("\nalert_webhook_waiting{state=\"retrying\"} ");
        after.ShouldNotContain("alert_queue_"); // the in-memory bus's queues are in the process, not counted

        // Buckets only grow towards +Inf, which is the count; the sum is of the same observations.
        var buckets = after.Split('\n').Where(l => l.StartsWith("alert_intake_duration_seconds_bucket{", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
        buckets.Count.ShouldBe(16);
        buckets.ShouldBeInOrder(SortDirection.Ascending);
        buckets[^1].ShouldBe(Value(after, "alert_intake_duration_seconds_count"));
        Value(after, "alert_intake_duration_seconds_sum").ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task The_load_benchmark_finds_the_outbox_in_the_hubs_own_text_and_keeps_the_worst()
    {
        using var watch = new Alert.Cli.Bench.OutboxWatch(hub.Client.BaseAddress!);
        watch.Note(await ScrapeAsync()).ShouldBeTrue("both outbox series found as the hub writes them");
        watch.Note("alert_outbox_unsent 678\nalert_outbox_lag_seconds 14.8\n").ShouldBeTrue();
        watch.Note("alert_outbox_unsent 9\nalert_outbox_lag_seconds 0.3\n").ShouldBeTrue();
        watch.Note("alert_outbox_unsent_total 5\n").ShouldBeFalse("another series, and the lag missing");
        (watch.Reads, watch.MostUnsent, watch.MostLagSeconds).ShouldBe((3, 678L, 14.8));
        watch.Describe().ShouldBe("678 / 14.8 s (3 reads)");
    }

    [Fact]
    public async Task Every_line_is_a_comment_or_a_sample_and_each_metric_is_typed_once()
    {
        using (await hub.PostCapAsync(StreamTests.Order())) { }
        var text = await ScrapeAsync();

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Where(l => !l.StartsWith('#')).ShouldAllBe(l => Sample().IsMatch(l));
        var typed = lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        typed.ShouldBeUnique();
        typed.ShouldContain("http_server_request_duration_seconds"); // ASP.NET Core's own, by route and status
        foreach (var sample in lines.Where(l => !l.StartsWith('#')).Select(l => l.Split('{', ' ')[0]))
            typed.ShouldContain(t => sample == t || sample.StartsWith(t + "_", StringComparison.Ordinal), $"{sample} has no TYPE");
    }
}

/// <summary>On RabbitMQ, <c>/metrics</c> reads the hub's queues at each scrape: a message left in an error queue shows there.</summary>
[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class QueueMetricsTests(RabbitPostgresHub hub)
{
    [Fact]
    public async Task Counts_messages_ready_and_consumers_of_each_queue()
    {
        var message = await ErrorQueueTests.AcceptedAsync(hub);
        var fanOut = ErrorQueues.Queues[0];
        var waiting = $"alert_queue_messages{{queue=\"{fanOut}_error\",state=\"ready\"}}";
        var before = MetricsTests.Value(await MetricsTests.ScrapeAsync(hub), waiting);

        // An error queue has no consumer, so a message sent there stays ready until an operator moves it.
        var bus = hub.Services.GetRequiredService<IBus>();
        await (await bus.GetSendEndpoint(new Uri($"queue:{fanOut}_error"))).Send(message);
        var text = "";
        await HubFixture.Eventually(async () => MetricsTests.Value(text = await MetricsTests.ScrapeAsync(hub), waiting) == before + 1, "the message counted");

        foreach (var queue in ErrorQueues.Queues)
        {
            text.ShouldContain($"\nalert_queue_messages{{queue=\"{queue}\",state=\"ready\"}} ");
            MetricsTests.Value(text, $"alert_queue_consumers{{queue=\"{queue}\"}}").ShouldBeGreaterThanOrEqualTo(1, $"this hub consumes {queue}");
            MetricsTests.Value(text, $"alert_queue_consumers{{queue=\"{queue}_error\"}}").ShouldBe(0);
        }
        text.ShouldContain("# TYPE alert_queue_messages gauge\n");

        // Moved back and consumed again (the fan-out is idempotent), so the error queue is as the other tests expect it.
        using var requeued = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/admin/errors/requeue");
        requeued.StatusCode.ShouldBe(HttpStatusCode.OK);
        await HubFixture.Eventually(async () => MetricsTests.Value(await MetricsTests.ScrapeAsync(hub), waiting) == 0, "the error queue emptied");
    }
}
