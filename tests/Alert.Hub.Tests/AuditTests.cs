using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Audit;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests;

/// <summary>
/// The audit trail on both databases: what was accepted, refused and changed by an admin is on it, in a chain that
/// verifies; the database refuses to change it, and a row slipped in around the hub breaks the chain.
/// </summary>
public abstract class AuditTests(HubFixture hub)
{
    private async Task<List<JsonElement>> EntriesAsync()
    {
        var all = new List<JsonElement>();
        for (var after = 0L; ; after = all[^1].GetProperty("id").GetInt64())
        {
            using var response = await hub.SendAsAdminAsync(HttpMethod.Get, $"/api/v1/admin/audit?after={after}&limit=1000");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var page = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
            if (page.Count == 0) return all;
            all.AddRange(page);
        }
    }

    private async Task<JsonElement> VerifyAsync()
    {
        using var response = await hub.SendAsAdminAsync(HttpMethod.Get, "/api/v1/admin/audit/verify");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Notices_sent_at_once_are_each_stored_once_chained_one_after_another_and_delivered_once()
    {
        // On PostgreSQL first revisions arriving together are committed together; repeats and clashes among them still
        // get their own answers, and the chain still links every entry to the one before.
        var (subscriberId, hook) = await hub.SubscribeAsync(["43"]);
        var before = (await EntriesAsync())[^1].GetProperty("id").GetInt64();
        var orders = Enumerable.Range(0, 24).Select(_ => CapWriter.EvacuationOrder($"together-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now)).ToList();
        var clash = CapWriter.EvacuationOrder(orders[1].Identifier, "431001", "熊本市", DateTimeOffset.Now.AddMinutes(-5)); // same identifier, other content
        var bodies = orders.Select(CapWriter.Write).Append(CapWriter.Write(orders[0])).Append(CapWriter.Write(clash)).ToList();

        var responses = await Task.WhenAll(bodies.Select(b => hub.PostCapAsync(b)));
        var answers = await Task.WhenAll(responses.Select(async r => (r.StatusCode, Body: await r.Content.ReadFromJsonAsync<JsonElement>())));
        foreach (var response in responses) response.Dispose();

        answers.Where((_, i) => i is not 1 and < 24).ShouldAllBe(a => a.StatusCode == HttpStatusCode.Accepted);
        answers[24].StatusCode.ShouldBe(HttpStatusCode.Accepted);
        answers[24].Body.GetProperty("id").GetString().ShouldBe(answers[0].Body.GetProperty("id").GetString()); // the repeat: the same answer
        // orders[1] and its clash: whichever came first is stored, the other refused.
        new[] { answers[1].StatusCode, answers[25].StatusCode }.Order().ShouldBe([HttpStatusCode.Accepted, HttpStatusCode.Conflict]);
        answers.Single(a => a.StatusCode == HttpStatusCode.Conflict).Body.GetProperty("code").GetString().ShouldBe("notice.duplicate-identifier");
        var ids = answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).Select(a => a.Body.GetProperty("id").GetString()!).Distinct().ToList();
        ids.Count.ShouldBe(24);

        var entries = (await EntriesAsync()).Where(e => e.GetProperty("id").GetInt64() > before).ToList();
        entries.Where(e => e.GetProperty("action").GetString() == "notice.accepted").Select(e => e.GetProperty("subject").GetString())
            .Where(s => ids.Contains(s!)).Order().ShouldBe(ids.Order());
        foreach (var (earlier, later) in entries.Zip(entries.Skip(1)))
        {
            later.GetProperty("id").GetInt64().ShouldBe(earlier.GetProperty("id").GetInt64() + 1);
            later.GetProperty("prevHash").GetString().ShouldBe(earlier.GetProperty("hash").GetString());
        }
        entries.ShouldAllBe(e => e.GetProperty("hash").GetString() == AuditEntry.HashOf(e.GetProperty("prevHash").GetString()!, e.GetProperty("id").GetInt64(),
            e.GetProperty("at").GetDateTimeOffset(), e.GetProperty("actor").GetString()!, e.GetProperty("action").GetString()!,
            e.GetProperty("subject").GetString(), e.GetProperty("detail").GetString()!));

        var received = await hub.Sink.WaitForAsync(hook, r => r.Count >= ids.Count);
        received.Select(r => r.IdempotencyKey).Order().ShouldBe(ids.Select(id => $"{id}.1.{subscriberId}").Order(), "one delivery of each, no repeats");
    }

    [Fact]
    public async Task Notices_accepted_and_refused_and_admin_changes_are_chained_and_the_chain_shows_tampering()
    {
        using var accepted = await hub.PostCapAsync(CapWriter.EvacuationOrder($"audit-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var refused = await hub.PostCapAsync(CapWriter.EvacuationOrder($"audit-{Guid.NewGuid():N}", "011002", "札幌市", DateTimeOffset.Now));
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await hub.SubscribeAsync(["43"]);

        var entries = await EntriesAsync();
        entries.ShouldContain(e => e.GetProperty("action").GetString() == "notice.accepted" && e.GetProperty("subject").GetString() == id
            && e.GetProperty("actor").GetString() == HubFixture.Issuer.Id);
        entries.ShouldContain(e => e.GetProperty("action").GetString() == "notice.refused"
            && e.GetProperty("detail").GetString()!.Contains("notice.out-of-scope", StringComparison.Ordinal));
        entries.ShouldContain(e => e.GetProperty("action").GetString() == "admin.change"
            && e.GetProperty("subject").GetString()!.StartsWith("/api/v1/subscribers", StringComparison.Ordinal) && e.GetProperty("actor").GetString() == "admin");
        (await VerifyAsync()).GetProperty("intact").GetBoolean().ShouldBeTrue();

        var db = hub.Services.GetRequiredService<Db>();
        await using var connection = await db.OpenAsync();
        // The database itself keeps it append-only.
        await Should.ThrowAsync<DbException>(() => connection.ExecuteAsync("UPDATE audit SET actor = 'someone-else' WHERE id = 1"));
        await Should.ThrowAsync<DbException>(() => connection.ExecuteAsync("DELETE FROM audit WHERE id = 1"));

        // A row written around the hub cannot carry a hash that follows: the walk stops there.
        var last = (await EntriesAsync())[^1];
        var forged = last.GetProperty("id").GetInt64() + 1;
        await connection.ExecuteAsync("""
            INSERT INTO audit (id, at, actor, action, subject, detail, prev_hash, hash)
            VALUES (@forged, @at, 'test-kumamoto-city', 'notice.cancelled', @id, '{}', @prev, 'not-a-hash')
            """, new { forged, at = DateTimeOffset.UtcNow, id, prev = last.GetProperty("hash").GetString() });
        var verdict = await VerifyAsync();
        verdict.GetProperty("intact").GetBoolean().ShouldBeFalse();
        verdict.GetProperty("brokenAt").GetInt64().ShouldBe(forged);
    }
}

public sealed class EmbeddedAuditTests(EmbeddedHub hub) : AuditTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresAuditTests(RabbitPostgresHub hub) : AuditTests(hub);
