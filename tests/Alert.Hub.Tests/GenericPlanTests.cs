using System.Globalization;
using System.Text.RegularExpressions;
using Alert.Hub.Alerts;
using Alert.Hub.Delivery;
using Alert.Hub.Storage;
using Alert.Hub.Streams;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Alert.Hub.Tests;

/// <summary>
/// Statements run at every notice or delivery are planned on PostgreSQL once per connection (Db.GenericPlans), with a
/// plan made without the values they are given. Each such plan must find its few rows by key: the webhook claim not
/// through the partial index of waiting deliveries (with statistics taken when every delivery had ended, a plan that
/// could use that index believed it nearly empty and read all of it, thousands of rows under load, for each message),
/// the reads of documents in force, of accepted revisions and of the log's tail not by reading whole tables. Checked on copies of the
/// tables in this session (temporary tables of the same names, with the same indexes), so the shared test database is
/// left as it is.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed partial class GenericPlanTests(RabbitPostgresHub hub)
{
    [Fact]
    public async Task The_claims_general_plan_finds_the_rows_by_key_not_through_the_index_of_waiting_deliveries()
    {
        await using var connection = await CopiesAsync("deliveries");
        (await connection.QueryAsync<string>("SELECT indexname FROM pg_indexes WHERE schemaname = pg_my_temp_schema()::regnamespace::text AND tablename = 'deliveries'"))
            .ShouldContain("deliveries_due");
        // 100,000 ended deliveries analysed, then 5,000 waiting ones the statistics do not know of: the table as a busy
        // hub leaves it between two runs of autovacuum.
        await connection.ExecuteAsync("""
            INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at, delivered_at)
            SELECT 'ended-' || (i / 50), 1, 'subscriber-' || (i % 50), 'delivered', 1, now(), now(), now() FROM generate_series(1, 100000) i;
            ANALYZE deliveries;
            INSERT INTO deliveries (document_id, revision, subscriber_id, state, attempts, created_at, updated_at, next_attempt_at)
            SELECT 'waiting-' || (i / 500), 1, 'subscriber-' || (i % 500), 'pending', 0, now(), now(), '2026-11-24 12:00:00+00' FROM generate_series(1, 5000) i;
            """);

        var plan = await GeneralPlanAsync(connection, WebhookConsumer.ClaimableRows(hub.Services.GetRequiredService<Db>()), new()
        {
            ["DocumentId"] = ("text", "'waiting-3'"),
            ["Revision"] = ("integer", "1"),
            ["ids"] = ("text[]", "ARRAY['subscriber-1500', 'subscriber-1501', 'subscriber-1502']"),
            ["waiting"] = ("text[]", "ARRAY['pending', 'retrying']"),
            ["Lease"] = ("timestamptz", "'2026-11-24 12:00:00+00'"),
        });

        plan.ShouldNotContain("deliveries_due", customMessage: plan);
        plan.ShouldNotContain("Seq Scan on deliveries", customMessage: plan);
        plan.ShouldContain("deliveries_pkey", customMessage: plan);
    }

    [Fact]
    public async Task The_read_of_documents_in_force_finds_them_and_their_revisions_by_key()
    {
        await using var connection = await CopiesAsync("documents", "notices");
        await FillDocumentsAsync(connection);

        var plan = await GeneralPlanAsync(connection, ActiveAlerts.InForce(hub.Services.GetRequiredService<Db>()), new()
        {
            ["batch"] = ("text[]", "ARRAY['document-17', 'document-4711', 'document-19000']"),
        });

        plan.ShouldNotContain("Seq Scan", customMessage: plan);
        plan.ShouldContain("documents_pkey", customMessage: plan);
        plan.ShouldContain("notices_pkey", customMessage: plan);
    }

    [Fact]
    public async Task The_read_of_accepted_revisions_finds_a_stretch_of_the_log_by_its_key()
    {
        await using var connection = await DrillWithLogAsync();

        var plan = await GeneralPlanAsync(connection, StreamLog.Accepted, new()
        {
            ["after"] = ("bigint", "19990"), ["upTo"] = ("bigint", "20010"), ["limit"] = ("integer", "500"),
        });

        plan.ShouldNotContain("Seq Scan", customMessage: plan);
        // The stretch is where the index scan starts and stops, not a filter on a walk from the log's first row.
        plan.ShouldMatch(@"Index Scan using outbox_pkey on outbox o .*\n\s+Index Cond: \(\(id > \$1\) AND \(id <= \$2\)\)", customMessage: plan);
        plan.ShouldContain("notices_pkey", customMessage: plan);
        plan.ShouldContain("documents_pkey", customMessage: plan);
    }

    [Fact]
    public async Task The_read_of_the_logs_tail_walks_its_key_from_the_position_and_finds_each_document_by_key()
    {
        await using var connection = await DrillWithLogAsync();

        var plan = await GeneralPlanAsync(connection, ActiveAlerts.Tail, new()
        {
            ["after"] = ("bigint", "21990"), ["page"] = ("integer", ActiveAlerts.TailPage.ToString(CultureInfo.InvariantCulture)),
        });

        plan.ShouldNotContain("Seq Scan", customMessage: plan);
        plan.ShouldMatch(@"Index Scan using outbox_pkey on outbox o .*\n\s+Index Cond: \(id > \$1\)", customMessage: plan);
        plan.ShouldContain("documents_pkey", customMessage: plan);
    }

    /// <summary>
    /// A connection of its own (not pooled: temporary tables go with it) on which each table named is a temporary copy
    /// with the migrations' indexes, names and all. Copies have no foreign keys, so rows need nothing else to exist.
    /// </summary>
    private static async Task<NpgsqlConnection> CopiesAsync(params string[] tables)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(RabbitPostgresHub.Required("ALERT_TEST_POSTGRES")) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        foreach (var table in tables)
        {
            var indexes = (await connection.QueryAsync<string>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = @table", new { table })).ToList();
            indexes.ShouldContain(i => i.StartsWith($"CREATE UNIQUE INDEX {table}_pkey ", StringComparison.Ordinal));
            await connection.ExecuteAsync($"CREATE TEMP TABLE {table} (LIKE public.{table} INCLUDING DEFAULTS)");
            foreach (var index in indexes) await connection.ExecuteAsync(index.Replace($" ON public.{table} ", $" ON pg_temp.{table} ", StringComparison.Ordinal));
        }
        return connection;
    }

    /// <summary>
    /// 20,000 documents with a CAP of about a kilobyte each, a tenth of them updated once and a twentieth cancelled,
    /// analysed: a day's national drill.
    /// </summary>
    private static async Task FillDocumentsAsync(NpgsqlConnection connection) => await connection.ExecuteAsync("""
        INSERT INTO documents (id, issuer_id, document_key, status, current_revision, state, updated_at)
        SELECT 'document-' || i, 'issuer-' || (i % 1442), 'key-' || i, 'Actual', CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END,
               CASE WHEN i % 20 = 1 THEN 'cancelled' ELSE 'active' END, now()
        FROM generate_series(1, 20000) i;
        INSERT INTO notices (document_id, revision, sender, identifier, sent, msg_type, title, area_codes, part_codes, expires,
                             body_sha256, cap_body, source_type, source_body, received_at)
        SELECT d.id, r, 'issuer@example.jp', d.id || '-' || r, now(), CASE WHEN r = 1 THEN 'Alert' ELSE 'Update' END, '避難指示',
               '43100', '43101 43102 43103 43104 43105', NULL, md5(d.id), convert_to(repeat('x', 1000), 'UTF8'), 'cap',
               convert_to(repeat('x', 1000), 'UTF8'), now()
        FROM documents d CROSS JOIN LATERAL generate_series(1, d.current_revision) r;
        ANALYZE documents;
        ANALYZE notices;
        """);

    /// <summary>
    /// Copies of documents, notices and the log, filled as a drill's day leaves them: the log holds a row for each
    /// revision, analysed (an outbox copy has no identity: the ids are given).
    /// </summary>
    private static async Task<NpgsqlConnection> DrillWithLogAsync()
    {
        var connection = await CopiesAsync("documents", "notices", "outbox");
        await FillDocumentsAsync(connection);
        await connection.ExecuteAsync("""
            INSERT INTO outbox (id, document_id, revision, message_type, payload, created_at, sent_at)
            SELECT row_number() OVER (ORDER BY revision, document_id), document_id, revision, 'NoticeAccepted', '{}', now(), now() FROM notices;
            ANALYZE outbox;
            """);
        return connection;
    }

    /// <summary>
    /// The plan PostgreSQL makes for a statement without its values, as a connection under Db.GenericPlans uses it:
    /// the statement prepared with its named parameters as positional ones of the types given, explained for the values.
    /// </summary>
    private static async Task<string> GeneralPlanAsync(NpgsqlConnection connection, string sql, Dictionary<string, (string Type, string Value)> parameters)
    {
        var names = Parameter().Matches(sql).Select(m => m.Groups[1].Value).Distinct().ToList();
        names.ShouldBe(parameters.Keys, ignoreOrder: true);
        var positional = Parameter().Replace(sql, m => $"${names.IndexOf(m.Groups[1].Value) + 1}");
        await connection.ExecuteAsync($"PREPARE general ({string.Join(", ", names.Select(n => parameters[n].Type))}) AS {positional.TrimEnd().TrimEnd(';')}");
        await connection.ExecuteAsync("SET plan_cache_mode = force_generic_plan");
        return string.Join("\n", await connection.QueryAsync<string>($"EXPLAIN EXECUTE general ({string.Join(", ", names.Select(n => parameters[n].Value))})"));
    }

    [GeneratedRegex("@([A-Za-z]+)")]
    private static partial Regex Parameter();
}
