using System.Text.RegularExpressions;
using Alert.Hub.Delivery;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Alert.Hub.Tests;

/// <summary>
/// The webhook claim runs on PostgreSQL with one general plan per connection, made without the values it is given.
/// Such a plan must find a message's few rows by their key, not by reading the partial index of every waiting
/// delivery: with statistics taken when every delivery had ended, a plan that could use that index believed it nearly
/// empty and read all of it (thousands of rows under load) for each message. Checked on a copy of the table in this
/// session (a temporary table of the same name, with the same indexes), so the shared test database is left as it is.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed partial class ClaimPlanTests(RabbitPostgresHub hub)
{
    [Fact]
    public async Task The_claims_general_plan_finds_the_rows_by_key_not_through_the_index_of_waiting_deliveries()
    {
        var db = hub.Services.GetRequiredService<Db>();
        // A connection of its own, not pooled: the temporary table goes with it.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(RabbitPostgresHub.Required("ALERT_TEST_POSTGRES")) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        // The migrations' indexes, names and all, on the copy.
        var indexes = (await connection.QueryAsync<string>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'deliveries'")).ToList();
        indexes.ShouldContain(i => i.StartsWith("CREATE INDEX deliveries_due ", StringComparison.Ordinal));
        await connection.ExecuteAsync("CREATE TEMP TABLE deliveries (LIKE public.deliveries INCLUDING DEFAULTS)");
        foreach (var index in indexes) await connection.ExecuteAsync(index.Replace(" ON public.deliveries ", " ON pg_temp.deliveries ", StringComparison.Ordinal));
        // 100,000 ended deliveries analysed, then 5,000 waiting ones the statistics do not know of: the table as a busy
        // hub leaves it between two runs of autovacuum.
        await connection.ExecuteAsync("""
            INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at, delivered_at)
            SELECT 'ended-' || (i / 50), 1, 'subscriber-' || (i % 50), 'delivered', 1, now(), now(), now() FROM generate_series(1, 100000) i;
            ANALYZE deliveries;
            INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at, next_attempt_at)
            SELECT 'waiting-' || (i / 500), 1, 'subscriber-' || (i % 500), 'pending', 0, now(), now(), '2026-11-24 12:00:00+00' FROM generate_series(1, 5000) i;
            """);
        var read = WebhookConsumer.ClaimableRows(db);
        var names = Parameter().Matches(read).Select(m => m.Groups[1].Value).Distinct().ToList();
        var types = new Dictionary<string, string>
        {
            ["DocumentId"] = "text", ["Revision"] = "integer", ["ids"] = "text[]", ["waiting"] = "text[]", ["Lease"] = "timestamptz",
        };
        var positional = Parameter().Replace(read, m => $"${names.IndexOf(m.Groups[1].Value) + 1}");
        await connection.ExecuteAsync($"PREPARE claimable ({string.Join(", ", names.Select(n => types[n]))}) AS {positional.TrimEnd().TrimEnd(';')}");
        await connection.ExecuteAsync("SET plan_cache_mode = force_generic_plan");
        var values = new Dictionary<string, string>
        {
            ["DocumentId"] = "'waiting-3'", ["Revision"] = "1", ["ids"] = "ARRAY['subscriber-1500', 'subscriber-1501', 'subscriber-1502']",
            ["waiting"] = "ARRAY['pending', 'retrying']", ["Lease"] = "'2026-11-24 12:00:00+00'",
        };

        var plan = string.Join("\n", await connection.QueryAsync<string>($"EXPLAIN EXECUTE claimable ({string.Join(", ", names.Select(n => values[n]))})"));

        plan.ShouldNotContain("deliveries_due", customMessage: plan);
        plan.ShouldNotContain("Seq Scan on deliveries", customMessage: plan);
        plan.ShouldContain("deliveries_pkey", customMessage: plan);
    }

    [GeneratedRegex("@([A-Za-z]+)")]
    private static partial Regex Parameter();
}
