using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Core.Webhooks;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests;

/// <summary>
/// Webhook push as transmitters rely on it: signed bodies, a secret shown once, retries that give up at the notice's
/// valid-until (dead) and can be republished, a dead receiver that costs the others nothing, pause and resume.
/// Receivers are real HTTP endpoints on 127.0.0.1 (the sink), some made to fail.
/// </summary>
public class WebhookTests(EmbeddedHub hub) : IClassFixture<EmbeddedHub>
{
    private static CapAlert Order(TimeSpan? validFor = null)
    {
        var alert = CapWriter.EvacuationOrder($"hook-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now);
        return validFor is { } span ? alert with { Infos = [alert.Infos[0] with { Expires = DateTimeOffset.Now + span }] } : alert;
    }

    private async Task<(string Id, string Hook, string Secret)> SubscribeAsync()
    {
        var hook = Guid.NewGuid().ToString("N");
        using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers",
            new { name = $"hook {hook[..6]}", kind = "broadcaster", url = hub.Sink.Url(hook), areaCodes = new[] { "43" } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, hook, body.GetProperty("secret").GetString()!);
    }

    private async Task<string> IssueAsync(CapAlert alert)
    {
        using var response = await hub.PostCapAsync(alert);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>The delivery's record; an empty object until the fan-out has made it.</summary>
    private async Task<JsonElement> DeliveryAsync(string id, string subscriberId)
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/notices/{id}/deliveries");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().SingleOrDefault(d => d.GetProperty("subscriberId").GetString() == subscriberId) is
            { ValueKind: JsonValueKind.Object } found ? found : JsonDocument.Parse("{}").RootElement;
    }

    private static string? Field(JsonElement delivery, string name) => delivery.TryGetProperty(name, out var value) ? value.ToString() : null;

    private Task DeliveryBecomes(string id, string subscriberId, string state) => HubFixture.Eventually(
        async () => Field(await DeliveryAsync(id, subscriberId), "state") == state, $"delivery of {id} to become {state}");

    [Fact]
    public async Task Bodies_are_signed_with_the_secret_shown_once_and_a_new_secret_replaces_it()
    {
        var (subscriberId, hook, secret) = await SubscribeAsync();
        secret.ShouldStartWith("whsec_");
        (await (await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/subscribers")).Content.ReadAsStringAsync()).ShouldNotContain(secret);
        (await (await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/subscribers/{subscriberId}")).Content.ReadAsStringAsync()).ShouldNotContain("secret");

        var first = await hub.Sink.WaitForDocumentAsync(hook, await IssueAsync(Order()));
        WebhookSignature.Verify(secret, first.Signature, first.Bytes, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)).ShouldBeTrue();
        WebhookSignature.Verify("whsec_other", first.Signature, first.Bytes, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)).ShouldBeFalse();
        WebhookSignature.Verify(secret, first.Signature, [.. first.Bytes, (byte)' '], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)).ShouldBeFalse();
        WebhookSignature.Verify(secret, first.Signature, first.Bytes, DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(5)).ShouldBeFalse(); // replayed later

        using var rotated = await hub.SendAsAdminAsync(HttpMethod.Post, $"/api/v1/subscribers/{subscriberId}/secret");
        var fresh = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        var second = await hub.Sink.WaitForDocumentAsync(hook, await IssueAsync(Order()));
        WebhookSignature.Verify(fresh, second.Signature, second.Bytes, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)).ShouldBeTrue();
        WebhookSignature.Verify(secret, second.Signature, second.Bytes, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_delivery_not_made_before_valid_until_is_dead_and_goes_out_when_republished()
    {
        var (subscriberId, hook, _) = await SubscribeAsync();
        hub.Sink.FailNext(hook, int.MaxValue);
        var id = await IssueAsync(Order(validFor: TimeSpan.FromSeconds(3)));

        await DeliveryBecomes(id, subscriberId, "dead");
        var dead = await DeliveryAsync(id, subscriberId);
        dead.GetProperty("attempts").GetInt32().ShouldBeGreaterThan(1);
        dead.GetProperty("lastError").GetString().ShouldNotBeNullOrEmpty();

        hub.Sink.FailNext(hook, 0); // the receiver is fixed
        using var republished = await hub.SendAsAdminAsync(HttpMethod.Post, $"/api/v1/notices/{id}/deliveries/{subscriberId}/retry");
        republished.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await hub.Sink.WaitForDocumentAsync(hook, id);
        await DeliveryBecomes(id, subscriberId, "delivered");
        (await DeliveryAsync(id, subscriberId)).GetProperty("tookMs").GetDouble().ShouldBeGreaterThan(0);

        using var again = await hub.SendAsAdminAsync(HttpMethod.Post, $"/api/v1/notices/{id}/deliveries/{subscriberId}/retry");
        again.StatusCode.ShouldBe(HttpStatusCode.NotFound); // nothing dead any more
    }

    [Fact]
    public async Task A_receiver_that_keeps_failing_opens_its_circuit_and_costs_the_others_nothing()
    {
        var (downId, down, _) = await SubscribeAsync();
        var (_, up, _) = await SubscribeAsync();
        hub.Sink.FailNext(down, int.MaxValue);

        var ids = new List<string>();
        for (var i = 0; i < 10; i++) ids.Add(await IssueAsync(Order()));

        foreach (var id in ids) await hub.Sink.WaitForDocumentAsync(up, id);
        async Task<bool> Waiting(string id) => Field(await DeliveryAsync(id, downId), "lastError")?.StartsWith("circuit open", StringComparison.Ordinal) == true;
        await HubFixture.Eventually(async () => (await Task.WhenAll(ids.Select(Waiting))).Any(w => w), "the failing receiver's circuit to open");
        hub.Sink.For(down).ShouldBeEmpty();

        // Back up: the waiting deliveries go out once the circuit lets an attempt through.
        hub.Sink.FailNext(down, 0);
        foreach (var id in ids) await hub.Sink.WaitForDocumentAsync(down, id, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_paused_subscriber_keeps_its_deliveries_waiting_until_resumed()
    {
        var (subscriberId, hook, _) = await SubscribeAsync();
        (await hub.SendAsAdminAsync(HttpMethod.Post, $"/api/v1/subscribers/{subscriberId}/pause")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var id = await IssueAsync(Order());
        await HubFixture.Eventually(async () => Field(await DeliveryAsync(id, subscriberId), "lastError") == "paused", "the delivery to wait");
        hub.Sink.For(hook).ShouldBeEmpty();
        (await DeliveryAsync(id, subscriberId)).GetProperty("attempts").GetInt32().ShouldBe(0);

        using var resumed = await hub.SendAsAdminAsync(HttpMethod.Post, $"/api/v1/subscribers/{subscriberId}/resume");
        (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paused").GetBoolean().ShouldBeFalse();
        await hub.Sink.WaitForDocumentAsync(hook, id);
    }

    [Fact]
    public async Task A_subscriber_is_read_updated_and_unknown_ones_are_not_found()
    {
        var (subscriberId, _, _) = await SubscribeAsync();
        using var updated = await hub.SendAsAdminAsync(HttpMethod.Put, $"/api/v1/subscribers/{subscriberId}",
            new { name = "熊本放送", kind = "broadcaster", url = hub.Sink.Url("renamed"), areaCodes = new[] { "431001" } });
        updated.StatusCode.ShouldBe(HttpStatusCode.OK, await updated.Content.ReadAsStringAsync());

        var read = await (await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/subscribers/{subscriberId}")).Content.ReadFromJsonAsync<JsonElement>();
        read.GetProperty("name").GetString().ShouldBe("熊本放送");
        read.GetProperty("areaCodes").EnumerateArray().Select(c => c.GetString()).ShouldBe(["43100"]);

        (await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/subscribers/nobody")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers/nobody/pause")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hub.SendAsAdminAsync(HttpMethod.Put, $"/api/v1/subscribers/{subscriberId}", new { name = "" })).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    /// <summary>An example native notice as a new document, with its validity (a past day in the example) removed.</summary>
    private static string Native(string name) => System.Text.RegularExpressions.Regex.Replace(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "notice-examples", name)), "<documentId>[^<]*</documentId>|\\s*<validUntil>[^<]*</validUntil>",
        m => m.Value.Contains("documentId", StringComparison.Ordinal) ? $"<documentId>hook-{Guid.NewGuid():N}</documentId>" : "");

    [Fact]
    public async Task Each_subscriber_gets_the_categories_levels_form_and_languages_it_asked_for()
    {
        async Task<(string Id, string Hook, string Secret)> Subscribe(object filters)
        {
            var hook = Guid.NewGuid().ToString("N");
            var body = JsonSerializer.SerializeToNode(filters)!.AsObject();
            body["name"] = $"hook {hook[..6]}";
            body["url"] = hub.Sink.Url(hook);
            body["areaCodes"] = new System.Text.Json.Nodes.JsonArray("43");
            using var response = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers", body);
            var created = await response.Content.ReadFromJsonAsync<JsonElement>();
            response.StatusCode.ShouldBe(HttpStatusCode.Created, created.ToString());
            return (created.GetProperty("id").GetString()!, hook, created.GetProperty("secret").GetString()!);
        }

        var (signageId, signage, secret) = await Subscribe(new { kind = "signage", format = "text", languages = new[] { "en" }, categories = new[] { "evacuation" }, minLevel = 4 });
        var (_, tv, _) = await Subscribe(new { kind = "broadcaster", languages = new[] { "en", "zh-Hans" } });
        var (_, app, _) = await Subscribe(new { kind = "app", format = "notice-xml" });

        using var evacuation = await hub.PostCapAsync(Native("evacuation.xml"), contentType: "application/vnd.alert-hub.notice+xml");
        evacuation.StatusCode.ShouldBe(HttpStatusCode.Accepted, await evacuation.Content.ReadAsStringAsync());
        var evacuationId = (await evacuation.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var shelters = await hub.PostCapAsync(Native("shelters.xml"), contentType: "application/vnd.alert-hub.notice+xml");
        shelters.StatusCode.ShouldBe(HttpStatusCode.Accepted, await shelters.Content.ReadAsStringAsync());
        var sheltersId = (await shelters.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var text = await hub.Sink.WaitForDocumentAsync(signage, evacuationId);
        text.ContentType.ShouldStartWith("text/plain");
        text.Body.Length.ShouldBeLessThanOrEqualTo(360);
        text.Body.ShouldContain("Level 5");
        WebhookSignature.Verify(secret, text.Signature, text.Bytes, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)).ShouldBeTrue();

        var cap = CapReader.Read(new MemoryStream((await hub.Sink.WaitForDocumentAsync(tv, evacuationId)).Bytes)).Alert.ShouldNotBeNull();
        cap.Infos.Select(i => i.Language).ShouldBe(["ja-JP", "en-US", "zh-Hans"]);
        var native = await hub.Sink.WaitForDocumentAsync(app, evacuationId);
        native.ContentType.ShouldStartWith("application/vnd.alert-hub.notice+xml");
        Alert.Core.Notices.NoticeXmlReader.Read(new MemoryStream(native.Bytes)).Notice.ShouldNotBeNull().Body.ShouldBeOfType<Alert.Core.Notices.EvacuationBody>();

        // The shelters notice reached the broadcaster, so its fan-out is done: the signage, asking for evacuation only, has no delivery of it.
        await hub.Sink.WaitForDocumentAsync(tv, sheltersId);
        using var deliveries = await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/notices/{sheltersId}/deliveries");
        (await deliveries.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ShouldNotContain(d => d.GetProperty("subscriberId").GetString() == signageId);
    }

    [Theory]
    [InlineData("format", "\"pdf\"", "subscriber.format")]
    [InlineData("languages", "[\"fr\"]", "subscriber.language")]
    [InlineData("categories", "[\"weather\"]", "subscriber.category")]
    [InlineData("minLevel", "2", "subscriber.min-level")]
    [InlineData("minSeverity", "\"Huge\"", "subscriber.min-severity")]
    [InlineData("url", "\"http://169.254.169.254/latest/meta-data/\"", "subscriber.url.refused")] // a cloud's metadata service
    [InlineData("url", "\"http://10.0.0.5/hook\"", "subscriber.url.refused")]
    public async Task A_filter_the_hub_cannot_apply_is_refused(string field, string value, string code)
    {
        using var response = await hub.SendAsync(HttpMethod.Post, "/api/v1/subscribers", new StringContent(
            $"{{\"name\": \"x\", \"url\": \"http://127.0.0.1:9/x\", \"areaCodes\": [\"43\"], \"{field}\": {value}}}", System.Text.Encoding.UTF8, "application/json"), HubFixture.AdminKey);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe(code);
    }

    [Fact]
    public async Task Slow_flaky_and_dead_receivers_together_lose_nothing_and_never_go_back_a_revision()
    {
        var (_, quick, _) = await SubscribeAsync();
        var (_, slow, _) = await SubscribeAsync();
        var (_, flaky, _) = await SubscribeAsync();
        var (_, dead, _) = await SubscribeAsync();
        hub.Sink.SlowDown(slow, TimeSpan.FromMilliseconds(300));
        hub.Sink.FailNext(flaky, 5);
        hub.Sink.FailNext(dead, int.MaxValue);

        // Five documents, each issued and updated twice: fifteen revisions racing through the same receivers.
        var finals = new List<string>();
        for (var d = 0; d < 5; d++)
        {
            var alert = Order();
            await IssueAsync(alert);
            for (var r = 0; r < 2; r++)
            {
                var update = CapWriter.EvacuationOrder($"hook-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now, "Update",
                    new CapReference(alert.Sender, alert.Identifier, CapWriter.Time(alert.Sent)));
                using var response = await hub.PostCapAsync(update);
                response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
                alert = update;
            }
            finals.Add(alert.Identifier);
        }

        foreach (var hook in new[] { quick, slow, flaky })
        {
            // Every document's last revision arrives (a queued older one may be dropped as superseded, never sent after it).
            var received = await hub.Sink.WaitForAsync(hook, r => finals.All(f => r.Any(x => x.Body.Contains(f, StringComparison.Ordinal))), TimeSpan.FromSeconds(60));
            foreach (var document in received.GroupBy(x => x.IdempotencyKey.Split('.')[0]))
            {
                var revisions = document.Select(x => int.Parse(x.IdempotencyKey.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                revisions.ShouldBe(revisions.Order().ToList(), $"{hook}: revisions of {document.Key} in order");
                revisions.Distinct().Count().ShouldBe(revisions.Count, $"{hook}: no revision of {document.Key} twice");
            }
        }
        hub.Sink.For(dead).ShouldBeEmpty();
    }

    /// <summary>An update of <paramref name="alert"/> naming it in references.</summary>
    private static CapAlert UpdateOf(CapAlert alert) =>
        CapWriter.EvacuationOrder($"hook-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now, "Update",
            new CapReference(alert.Sender, alert.Identifier, CapWriter.Time(alert.Sent)));

    [Fact]
    public async Task A_newer_revision_waits_until_the_older_one_on_the_wire_is_answered()
    {
        var (subscriberId, slow, _) = await SubscribeAsync();
        hub.Sink.SlowDown(slow, TimeSpan.FromSeconds(1));
        var first = Order();
        var id = await IssueAsync(first);
        await DeliveryBecomes(id, subscriberId, "sending");

        await IssueAsync(UpdateOf(first));

        var received = await hub.Sink.WaitForAsync(slow, r => r.Count(x => x.IdempotencyKey.StartsWith(id + ".", StringComparison.Ordinal)) == 2);
        received.Select(x => x.IdempotencyKey).ShouldBe([$"{id}.1.{subscriberId}", $"{id}.2.{subscriberId}"]);
        // Not merely in order of answers: revision 2 went out only after revision 1 had been answered.
        received[1].Arrived.ShouldBeGreaterThan(received[0].At);
    }

    [Fact]
    public async Task Revisions_queued_behind_a_newer_one_are_dropped_not_sent()
    {
        var (subscriberId, hook, _) = await SubscribeAsync();
        (await hub.SendAsAdminAsync(HttpMethod.Post, $"/api/v1/subscribers/{subscriberId}/pause")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var alert = Order();
        var id = await IssueAsync(alert);
        for (var r = 0; r < 2; r++) await IssueAsync(alert = UpdateOf(alert));
        async Task<Dictionary<int, JsonElement>> RevisionsAsync()
        {
            using var response = await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/notices/{id}/deliveries");
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
                .Where(d => d.GetProperty("subscriberId").GetString() == subscriberId)
                .ToDictionary(d => d.GetProperty("revision").GetInt32(), d => d);
        }
        await HubFixture.Eventually(async () => (await RevisionsAsync()).TryGetValue(3, out var d) && Field(d, "lastError") == "paused", "the last revision to wait");

        using var resumed = await hub.SendAsAdminAsync(HttpMethod.Post, $"/api/v1/subscribers/{subscriberId}/resume");
        await HubFixture.Eventually(async () => (await RevisionsAsync()).Values.All(d => Field(d, "state") is "delivered" or "superseded"), "every revision to be settled");

        var states = (await RevisionsAsync()).ToDictionary(d => d.Key, d => Field(d.Value, "state"));
        states.ShouldBe(new Dictionary<int, string?> { [1] = "superseded", [2] = "superseded", [3] = "delivered" });
        hub.Sink.For(hook).Select(x => x.IdempotencyKey).ShouldBe([$"{id}.3.{subscriberId}"]);
    }

    [Fact]
    public async Task A_delivery_message_that_comes_twice_or_after_its_lease_sends_once()
    {
        // The row as the fan-out would have written it, leased to one message.
        var lease = DeliverNotice.LeaseFrom(DateTimeOffset.UtcNow);
        var (hook, subscriberId, id) = await RecordedAsync(lease);

        var bus = hub.Services.GetRequiredService<IBus>();
        var consumed = new ConsumedCount(id, subscriberId);
        using var observer = bus.ConnectConsumeObserver(consumed);
        var message = new DeliverNotice(id, 1, [subscriberId]) { Lease = lease };
        // The message, a redelivered copy of it, and one whose lease lapsed (sent again by the scheduler meanwhile).
        await Task.WhenAll(bus.Publish(message), bus.Publish(message), bus.Publish(message with { Lease = lease.AddMilliseconds(-1) }));

        await HubFixture.Eventually(() => Task.FromResult(consumed.Count == 3), "the three messages to be consumed");
        await DeliveryBecomes(id, subscriberId, "delivered");
        hub.Sink.For(hook).Select(x => x.IdempotencyKey).ShouldBe([$"{id}.1.{subscriberId}"]);
    }

    [Fact]
    public async Task A_recorded_delivery_whose_message_never_went_is_sent_once_its_lease_lapses()
    {
        // What a fan-out leaves when its delivery message is lost after its commit (the hub stopped before publishing,
        // or the broker refused it past the retries): the row, pending, its notice already marked fanned out, and no
        // message; here its lease has just lapsed.
        var (hook, subscriberId, id) = await RecordedAsync(DateTimeOffset.UtcNow.AddSeconds(-1));

        await DeliveryBecomes(id, subscriberId, "delivered");
        hub.Sink.For(hook).Select(x => x.IdempotencyKey).ShouldBe([$"{id}.1.{subscriberId}"]);
    }

    /// <summary>
    /// A notice and, for a subscriber of its own far from it, a pending delivery row leased until <paramref name="lease"/>,
    /// as a fan-out writes it. The fan-out makes that subscriber no row, so the test's messages (or the scheduler's) are
    /// the only ones for it (the fan-out's own go to the subscribers other tests left behind, and are not counted).
    /// </summary>
    private async Task<(string Hook, string SubscriberId, string Id)> RecordedAsync(DateTimeOffset lease)
    {
        var hook = Guid.NewGuid().ToString("N");
        using var created = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers",
            new { name = $"hook {hook[..6]}", kind = "app", url = hub.Sink.Url(hook), areaCodes = new[] { "01" } });
        var subscriberId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var id = await IssueAsync(Order());
        await using var connection = await hub.Services.GetRequiredService<Db>().OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at, next_attempt_at)
            VALUES (@id, 1, @subscriberId, 'pending', 0, @now, @now, @lease)
            """, new { id, subscriberId, now = DateTimeOffset.UtcNow, lease });
        return (hook, subscriberId, id);
    }

    /// <summary>Counts delivery messages of one document to one subscriber once their consumer has finished with them.</summary>
    private sealed class ConsumedCount(string documentId, string subscriberId) : IConsumeObserver
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (context.Message is DeliverNotice m && m.DocumentId == documentId && m.SubscriberIds.Contains(subscriberId)) Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }

    [Fact]
    public async Task A_subscriber_watching_a_drawn_area_gets_the_notices_whose_shape_meets_it()
    {
        var hook = Guid.NewGuid().ToString("N");
        // A square of about 200 m around 辛島町 (熊本市中央区), no codes.
        using var created = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers", new
        {
            name = "signage 辛島町", kind = "signage", url = hub.Sink.Url(hook),
            polygon = "32.798,130.7017 32.798,130.7037 32.800,130.7037 32.800,130.7017 32.798,130.7017",
        });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var signageId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var (_, prefecture, _) = await SubscribeAsync(); // all of 熊本県: its receipt says the fan-out is done

        var ward = await IssueAsync(CapWriter.EvacuationOrder($"hook-{Guid.NewGuid():N}", "431010", "熊本市中央区", DateTimeOffset.Now));
        var circle = Order();
        var demizu = await IssueAsync(circle with { Infos = [circle.Infos[0] with { Areas = [new CapArea("出水付近", [], ["32.7889,130.7323 0.3"], [])] }] });

        await hub.Sink.WaitForDocumentAsync(hook, ward);
        await hub.Sink.WaitForDocumentAsync(prefecture, demizu);
        using var deliveries = await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/notices/{demizu}/deliveries");
        (await deliveries.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ShouldNotContain(d => d.GetProperty("subscriberId").GetString() == signageId);
    }
}
