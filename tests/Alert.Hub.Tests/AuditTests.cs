using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Core.Cap;
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
