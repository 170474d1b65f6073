using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Alert.Core.Cap;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alert.Hub.Tests;

/// <summary>
/// The walking skeleton end to end: a municipality's evacuation order is validated, geocoded, stored, fanned
/// out to a real webhook receiver and listed in the Atom feed; then updated and cancelled. Runs on the embedded
/// default and on RabbitMQ + PostgreSQL.
/// </summary>
public abstract class HubFlowTests(HubFixture hub)
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    protected static CapAlert Order(string code = "431001", string msgType = "Alert", CapReference? replaces = null, string status = "Actual") =>
        CapWriter.EvacuationOrder($"test-{Guid.NewGuid():N}", code, "熊本市", Jst(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds())), msgType, replaces, status);

    /// <summary>Desks write Japan time (+09:00); the hub must store it as the same instant on both databases.</summary>
    protected static DateTimeOffset Jst(DateTimeOffset instant) => instant.ToOffset(TimeSpan.FromHours(9));

    protected static CapReference Reference(CapAlert alert) =>
        new(alert.Sender, alert.Identifier, CapWriter.Time(alert.Sent));

    // Town points from the bundled data: 出水一丁目 (熊本市中央区) and 乗越ケ丘 (北区).
    private const string Demizu = "lat=32.788933&lng=130.732314", Kita = "lat=32.834329&lng=130.735793";

    /// <summary>Waits until the notice is (or is no longer) among those in force at a point: the index follows each revision.</summary>
    private Task AppliesAsync(string point, string id, bool applies) => HubFixture.Eventually(async () =>
        (await hub.Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?" + point)).GetProperty("alerts").EnumerateArray()
            .Any(a => a.GetProperty("id").GetString() == id) == applies, $"{id} {(applies ? "to apply" : "to stop applying")} at {point}");

    [Fact]
    public async Task Ready_once_started()
    {
        using var response = await hub.Client.GetAsync("/health/ready");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_evacuation_order_reaches_a_broadcaster_and_the_feed()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        var alert = Order();

        using var response = await hub.PostCapAsync(alert);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = receipt.GetProperty("id").GetString()!;
        receipt.GetProperty("revision").GetInt32().ShouldBe(1);
        var area = receipt.GetProperty("areas").EnumerateArray().ShouldHaveSingleItem();
        area.GetProperty("code").GetString().ShouldBe("431001");
        area.GetProperty("parts").EnumerateArray().Select(p => p.GetString()).ShouldBe(["431010", "431028", "431036", "431044", "431052"]);
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/notices/{id}");

        var received = await hub.Sink.WaitForDocumentAsync(hook, id);
        received.IdempotencyKey.ShouldBe($"{id}.1.{subscriberId}");
        received.ContentType.ShouldStartWith("application/cap+xml");
        CapReader.Read(received.Body).Alert.ShouldNotBeNull().Identifier.ShouldBe(alert.Identifier);

        var entry = await FeedEntryAsync(id);
        var link = entry.ShouldNotBeNull().Element(Atom + "link")!.Attribute("href")!.Value;
        link.ShouldEndWith($"/api/v1/notices/{id}/revisions/1/cap");
        var cap = await hub.Client.GetStringAsync(new Uri(link).PathAndQuery);
        CapReader.Read(cap).Alert.ShouldNotBeNull().Identifier.ShouldBe(alert.Identifier);

        await HubFixture.Eventually(async () => Delivery(await hub.GetStatusAsync(id), subscriberId, 1) == "delivered", "delivery marked delivered");
        var sent = (await hub.GetStatusAsync(id)).GetProperty("revisions")[0].GetProperty("sent").GetDateTimeOffset();
        sent.ShouldBe(alert.Sent); // the same instant, whatever offset it was written with
    }

    [Fact]
    public async Task Only_subscribers_whose_area_and_mode_match_are_sent_the_notice()
    {
        var (ward, wardHook) = await hub.SubscribeAsync(["43101"]);          // 熊本市中央区: inside the city
        var (tokyo, _) = await hub.SubscribeAsync(["13"]);                   // 東京都
        var (neighbour, _) = await hub.SubscribeAsync(["434434"]);           // 益城町, next door
        var (drills, drillHook) = await hub.SubscribeAsync(["43"], ["Exercise"]);

        using var actual = await hub.PostCapAsync(Order());
        using var exercise = await hub.PostCapAsync(Order(status: "Exercise"));
        var actualId = (await actual.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var exerciseId = (await exercise.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await hub.Sink.WaitForAsync(wardHook, r => r.Count >= 1);
        await hub.Sink.WaitForAsync(drillHook, r => r.Count >= 1);
        // Deliveries are recorded for every target before any is sent: these lists are complete.
        var toActual = Subscribers(await hub.GetStatusAsync(actualId));
        toActual.ShouldContain(ward);
        toActual.ShouldNotContain(tokyo);
        toActual.ShouldNotContain(neighbour);
        toActual.ShouldNotContain(drills);
        Subscribers(await hub.GetStatusAsync(exerciseId)).ShouldBe([drills]); // other tests' subscribers take actual notices only
        hub.Sink.For(wardHook).ShouldHaveSingleItem().IdempotencyKey.ShouldStartWith(actualId);
        hub.Sink.For(drillHook).ShouldHaveSingleItem().IdempotencyKey.ShouldStartWith(exerciseId);
        (await FeedEntryAsync(exerciseId)).ShouldBeNull(); // exercises stay out of the public feed
    }

    [Fact]
    public async Task An_update_replaces_the_notice_and_a_cancel_withdraws_it_everywhere()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        var first = Order();
        using var issued = await hub.PostCapAsync(first);
        var id = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await hub.Sink.WaitForAsync(hook, r => r.Count >= 1);
        await AppliesAsync(Kita, id, true);

        // The order narrows to one ward: revision 2 of the same document.
        var update = Order("431010", "Update", Reference(first));
        using var updated = await hub.PostCapAsync(update);
        updated.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var receipt = await updated.Content.ReadFromJsonAsync<JsonElement>();
        receipt.GetProperty("id").GetString().ShouldBe(id);
        receipt.GetProperty("revision").GetInt32().ShouldBe(2);
        await hub.Sink.WaitForAsync(hook, r => r.Any(x => x.IdempotencyKey == $"{id}.2.{subscriberId}"));
        (await FeedEntryAsync(id)).ShouldNotBeNull().Element(Atom + "id")!.Value.ShouldEndWith($"{id}:2");
        await AppliesAsync(Kita, id, false);
        await AppliesAsync(Demizu, id, true);

        var cancel = Order(msgType: "Cancel", replaces: Reference(update));
        using var cancelled = await hub.PostCapAsync(cancel);
        cancelled.StatusCode.ShouldBe(HttpStatusCode.Accepted, await cancelled.Content.ReadAsStringAsync());
        var last = (await hub.Sink.WaitForAsync(hook, r => r.Any(x => x.IdempotencyKey == $"{id}.3.{subscriberId}")))[^1];
        CapReader.Read(last.Body).Alert.ShouldNotBeNull().MsgType.ShouldBe("Cancel");
        await AppliesAsync(Demizu, id, false);

        // The withdrawn content is gone: the feed only announces the cancel, and old revisions are not served.
        var entry = (await FeedEntryAsync(id)).ShouldNotBeNull();
        entry.Element(Atom + "title")!.Value.ShouldStartWith("【取消");
        using var old = await hub.Client.GetAsync($"/api/v1/notices/{id}/revisions/1/cap");
        old.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var status = await hub.GetStatusAsync(id);
        status.GetProperty("state").GetString().ShouldBe("cancelled");

        // A cancelled document takes no more revisions.
        using var late = await hub.PostCapAsync(Order("431001", "Update", Reference(cancel)));
        late.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_native_notice_is_issued_updated_and_cancelled_and_receivers_get_CAP_that_chains()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        var documentId = $"native-{Guid.NewGuid():N}";
        string Native(string name, string kind, int revision) =>
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", name))
                .Replace("431001-2026-0042", documentId, StringComparison.Ordinal)
                .Replace("<kind>Issue</kind>", $"<kind>{kind}</kind>", StringComparison.Ordinal)
                .Replace("<revision>1</revision>", $"<revision>{revision}</revision>", StringComparison.Ordinal)
                .Replace("<revision>2</revision>", $"<revision>{revision}</revision>", StringComparison.Ordinal);

        using var issued = await hub.PostCapAsync(Native("evacuation.xml", "Issue", 1), contentType: "application/vnd.alert-hub.notice+xml");
        issued.StatusCode.ShouldBe(HttpStatusCode.Accepted, await issued.Content.ReadAsStringAsync());
        var id = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var updated = await hub.PostCapAsync(Native("evacuation.xml", "Update", 2).Replace("<level>5</level>", "<level>4</level>", StringComparison.Ordinal),
            contentType: "application/vnd.alert-hub.notice+xml");
        updated.StatusCode.ShouldBe(HttpStatusCode.Accepted, await updated.Content.ReadAsStringAsync());
        using var cancelled = await hub.PostCapAsync(Native("cancel.xml", "Cancel", 3), contentType: "application/vnd.alert-hub.notice+xml");
        cancelled.StatusCode.ShouldBe(HttpStatusCode.Accepted, await cancelled.Content.ReadAsStringAsync());

        var received = await hub.Sink.WaitForAsync(hook, r => r.Any(x => x.IdempotencyKey == $"{id}.3.{subscriberId}"));
        var cancel = CapReader.Read(received.Single(r => r.IdempotencyKey == $"{id}.3.{subscriberId}").Body).Alert.ShouldNotBeNull();
        cancel.MsgType.ShouldBe("Cancel");
        cancel.Identifier.ShouldBe($"{documentId}.r3");
        var reference = cancel.References.ShouldHaveSingleItem();
        reference.Identifier.ShouldBe($"{documentId}.r2");
        reference.Sent.ShouldBe("2026-07-01T03:00:00+09:00"); // revision 2's sent exactly as its CAP wrote it
        (await hub.GetStatusAsync(id)).GetProperty("state").GetString().ShouldBe("cancelled");
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_until_it_takes_the_notice()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        hub.Sink.FailNext(hook, 1);

        using var response = await hub.PostCapAsync(Order());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await hub.Sink.WaitForAsync(hook, r => r.Count >= 1);
        await HubFixture.Eventually(async () => Delivery(await hub.GetStatusAsync(id), subscriberId, 1) == "delivered", "delivery after a retry");
        var delivery = (await hub.GetStatusAsync(id)).GetProperty("deliveries").EnumerateArray()
            .Single(d => d.GetProperty("subscriberId").GetString() == subscriberId);
        delivery.GetProperty("attempts").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task The_same_message_sent_several_times_at_once_is_accepted_once()
    {
        var xml = CapWriter.Write(Order());

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => hub.PostCapAsync(xml)));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Accepted);
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()));
        ids.Distinct().ShouldHaveSingleItem();
        (await hub.GetStatusAsync(ids[0]!)).GetProperty("revisions").GetArrayLength().ShouldBe(1);
        foreach (var response in responses) response.Dispose();
    }

    [Fact]
    public async Task A_delivery_still_retrying_when_the_hub_stops_is_made_after_it_starts_again()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        hub.Sink.FailNext(hook, 1000); // the receiver is down
        using var response = await hub.PostCapAsync(Order());
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await HubFixture.Eventually(async () => Delivery(await hub.GetStatusAsync(id), subscriberId, 1) == "retrying", "a failed attempt");

        await hub.RestartAsync();
        hub.Sink.FailNext(hook, 0); // the receiver is back

        var received = await hub.Sink.WaitForAsync(hook, r => r.Count >= 1, TimeSpan.FromSeconds(60));
        received.ShouldAllBe(r => r.IdempotencyKey == $"{id}.1.{subscriberId}");
        await HubFixture.Eventually(async () => Delivery(await hub.GetStatusAsync(id), subscriberId, 1) == "delivered", "delivered after the restart",
            TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_delivery_on_the_wire_when_the_hub_stops_is_handed_back_and_made_after_it_starts_again()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        hub.Sink.SlowDown(hook, TimeSpan.FromSeconds(8)); // answers after the hub's 3 s for stopping consumers, within its 10 s timeout
        using var response = await hub.PostCapAsync(Order());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await HubFixture.Eventually(async () => Delivery(await hub.GetStatusAsync(id), subscriberId, 1) == "sending", "the POST to be under way");

        await hub.RestartAsync();
        hub.Sink.SlowDown(hook, TimeSpan.Zero);

        // Well before the claim's lease (timeout + 20 s) would lapse: the stopping hub gave the delivery back.
        await HubFixture.Eventually(async () => Delivery(await hub.GetStatusAsync(id), subscriberId, 1) == "delivered", "delivered after the restart");
        hub.Sink.For(hook).Select(r => r.IdempotencyKey).Distinct().ShouldBe([$"{id}.1.{subscriberId}"]);
    }

    [Fact]
    public async Task Sent_outbox_rows_past_the_retention_are_pruned_and_recent_ones_kept()
    {
        var db = hub.Services.GetRequiredService<Db>();
        await using var connection = await db.OpenAsync();
        // Everything so far and two more rows sent long ago; then one row sent yesterday.
        var old = DateTimeOffset.UtcNow.AddDays(-8);
        await connection.ExecuteAsync("UPDATE outbox SET sent_at = @old WHERE sent_at IS NOT NULL", new { old });
        var recent = $"prune-recent-{Guid.NewGuid():N}";
        foreach (var (id, sent) in new[] { ("prune-old-1", old), ("prune-old-2", old), (recent, DateTimeOffset.UtcNow.AddDays(-1)) })
            await connection.ExecuteAsync("""
                INSERT INTO outbox (document_id, revision, message_type, payload, created_at, sent_at)
                VALUES (@id, 1, 'NoticeAccepted', '{}', @sent, @sent)
                """, new { id, sent });

        var pruned = await hub.Services.GetServices<IHostedService>().OfType<OutboxRelay>().Single().PruneAsync(CancellationToken.None);

        pruned.ShouldBeGreaterThanOrEqualTo(2);
        (await connection.QueryAsync<string>("SELECT document_id FROM outbox")).ShouldBe([recent]);
        // What was deleted is a prefix of the log, and the horizon says where it ends.
        var horizon = await connection.ExecuteScalarAsync<long>("SELECT pruned_up_to FROM outbox_horizon");
        (await connection.ExecuteScalarAsync<long>("SELECT MIN(id) FROM outbox")).ShouldBe(horizon + 1);
    }

    [Fact]
    public async Task A_change_to_a_subscriber_made_outside_this_hub_applies_to_the_next_notice()
    {
        var (subscriberId, hook) = await hub.SubscribeAsync(["431028"]); // 熊本市東区
        async Task<string> IssueAsync(string code)
        {
            using var response = await hub.PostCapAsync(Order(code));
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        await hub.Sink.WaitForDocumentAsync(hook, await IssueAsync("431028")); // the fan-out now holds its filters

        // As another hub's API (or an operator's hand) would: the subscriber now watches 中央区 instead of 東区.
        var db = hub.Services.GetRequiredService<Db>();
        await using var connection = await db.OpenAsync();
        await connection.ExecuteAsync("UPDATE subscribers SET area_codes = '431010' WHERE id = @subscriberId", new { subscriberId });

        await hub.Sink.WaitForDocumentAsync(hook, await IssueAsync("431010"));
        var east = await IssueAsync("431028");
        await HubFixture.Eventually(() => FannedOutAsync(connection, east), "the fan-out of the last notice");
        Subscribers(await hub.GetStatusAsync(east)).ShouldNotContain(subscriberId); // its old area no longer reaches it

        // And one removed outside this hub is sent nothing more (its deliveries would be refused by their key).
        await connection.ExecuteAsync("DELETE FROM subscribers WHERE id = @subscriberId", new { subscriberId });
        var after = await IssueAsync("431010");
        await HubFixture.Eventually(() => FannedOutAsync(connection, after), "the fan-out after the removal");
        Subscribers(await hub.GetStatusAsync(after)).ShouldNotContain(subscriberId);
    }

    [Fact]
    public async Task A_notice_still_not_fanned_out_long_after_its_message_was_sent_is_sent_again()
    {
        using var response = await hub.PostCapAsync(Order());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var db = hub.Services.GetRequiredService<Db>();
        await using var connection = await db.OpenAsync();
        Task<bool> FannedOut() => FannedOutAsync(connection, id);
        await HubFixture.Eventually(FannedOut, "the fan-out");

        // As if its message had gone to the error queue: sent long ago, never fanned out.
        await connection.ExecuteAsync("UPDATE notices SET fanned_out_at = NULL WHERE document_id = @id", new { id });
        await connection.ExecuteAsync("UPDATE outbox SET sent_at = @old WHERE document_id = @id", new { id, old = DateTimeOffset.UtcNow - OutboxRelay.FanOutOverdue - TimeSpan.FromMinutes(1) });
        (await hub.Services.GetServices<IHostedService>().OfType<OutboxRelay>().Single().SendAgainUnfannedAsync(CancellationToken.None)).ShouldBe(1);

        await HubFixture.Eventually(FannedOut, "the fan-out of the message sent again");
    }

    /// <summary>Whether the notice's deliveries are all recorded (the fan-out marks it once they are).</summary>
    private static async Task<bool> FannedOutAsync(System.Data.Common.DbConnection connection, string id) =>
        await connection.ExecuteScalarAsync<DateTimeOffset?>("SELECT fanned_out_at FROM notices WHERE document_id = @id", new { id }) is not null;

    protected async Task<XElement?> FeedEntryAsync(string id)
    {
        var feed = XDocument.Parse(await hub.Client.GetStringAsync("/feeds/notices.atom"));
        return feed.Root!.Elements(Atom + "entry").SingleOrDefault(e => e.Element(Atom + "id")!.Value.Contains(id, StringComparison.Ordinal));
    }

    private static string? Delivery(JsonElement status, string subscriberId, int revision) =>
        status.GetProperty("deliveries").EnumerateArray()
            .Where(d => d.GetProperty("subscriberId").GetString() == subscriberId && d.GetProperty("revision").GetInt32() == revision)
            .Select(d => d.GetProperty("state").GetString()).SingleOrDefault();

    private static List<string?> Subscribers(JsonElement status) =>
        status.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("subscriberId").GetString()).Distinct().ToList();
}

public sealed class EmbeddedHubFlowTests(EmbeddedHub hub) : HubFlowTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresHubFlowTests(RabbitPostgresHub hub) : HubFlowTests(hub)
{
    [Fact]
    public async Task Runs_on_RabbitMQ_and_PostgreSQL()
    {
        var health = await hub.Client.GetStringAsync("/health/ready");

        health.ShouldContain("PostgreSQL");
        health.ShouldContain("masstransit");
    }
}
