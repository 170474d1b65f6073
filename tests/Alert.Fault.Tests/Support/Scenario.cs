using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alert.Hub;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alert.Fault.Tests.Support;

/// <summary>What a scenario counted: the notices the desk sent and what became of them, and what receivers got.</summary>
/// <param name="Expected">Deliveries owed: accepted notices × receivers.</param>
/// <param name="Delivered">Of those, the distinct idempotency keys receivers got.</param>
/// <param name="Duplicates">POSTs beyond the first of a key (a receiver drops them by the key).</param>
/// <param name="Lost">Owed and never received.</param>
/// <param name="Unowed">Keys received of documents no 202 named (a notice refused, or never answered, yet sent).</param>
public sealed record Counts(int Sent, int Accepted, int Refused, int Failed, int Unanswered, long Posts, long NoAnswer,
    int Expected, int Delivered, long Duplicates, int Lost, int Unowed, long Misrouted);

/// <summary>
/// One fault scenario: a database of its own (on ops/test's PostgreSQL or another), hub processes on it, 50 webhook
/// receivers, a desk sending notices; at the end the counts, the database's state, a line for docs/reliability.md and
/// the verdict: no 500, nothing owed missing, nothing refused stored or sent, no notice half-written.
/// </summary>
public sealed class Scenario : IAsyncDisposable
{
    public const string AdminKey = "fault-admin-key";
    public const string IssuerKey = "fault-issuer-key";
    public const int ReceiverCount = 50;

    /// <summary>熊本市's desk: its notices cover the city's five wards; every receiver subscribes to the city.</summary>
    private static readonly Identity Issuer = new("fault-kumamoto-city", "熊本市", Roles.Issuer, "43100");

    private readonly List<HubInstance> _hubs = [];
    private readonly List<Func<Task>> _cleanups = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private Scenario(string name, ITestOutputHelper output)
    {
        Name = name;
        Output = output;
        LogDirectory = Path.Combine(Path.GetTempPath(), "alert-fault", $"{DateTime.Now:yyyyMMdd-HHmmss}-{name}");
        Directory.CreateDirectory(LogDirectory);
        output.WriteLine($"[{Clock.Now}] {name}: logs in {LogDirectory}");
    }

    public string Name { get; }

    public ITestOutputHelper Output { get; }

    public string LogDirectory { get; }

    /// <summary>The scenario's own database (user alert).</summary>
    public string Postgres { get; private set; } = "";

    /// <summary>The same without a pool: the test's own connections must not outlive a restart of the server.</summary>
    private string Unpooled => new NpgsqlConnectionStringBuilder(Postgres) { Pooling = false }.ConnectionString;

    public Receivers Receivers { get; private set; } = null!;

    public Load Load { get; private set; } = null!;

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Starts a scenario with a database of its own on <paramref name="postgresServer"/> (default: ops/test's).</summary>
    public static async Task<Scenario> StartAsync(string name, ITestOutputHelper output, string? postgresServer = null)
    {
        var scenario = new Scenario(name, output);
        scenario.Postgres = await Infra.CreateDatabaseAsync(postgresServer ?? Infra.Postgres, $"fault_{name.Replace('-', '_')}_{scenario._run}");
        return scenario;
    }

    /// <summary>A vhost of the scenario's own on server set <paramref name="set"/> (main: ops/test's node); its URL on <paramref name="node"/>.</summary>
    public async Task<string> VhostAsync(string set = "main", string? node = null)
    {
        var vhost = $"fault-{Name}-{_run}";
        await Infra.RunAsync(Output, TimeSpan.FromSeconds(60), "rmq-vhost", set, vhost);
        return Infra.WithVhost(node ?? Infra.RabbitMq, vhost);
    }

    /// <summary>Runs <paramref name="cleanup"/> when the scenario ends, passed or failed (servers of its own).</summary>
    public void OnEnd(Func<Task> cleanup) => _cleanups.Add(cleanup);

    /// <summary>A hub process on RabbitMQ at <paramref name="rabbitMq"/> and the scenario's database (not started).</summary>
    public HubInstance Hub(string name, string rabbitMq, string? postgres = null)
    {
        var hub = new HubInstance(name, LogDirectory, new Dictionary<string, string>
        {
            ["Alert__Transport"] = "RabbitMq",
            ["Alert__Database"] = "Postgres",
            ["ConnectionStrings__RabbitMq"] = rabbitMq,
            ["ConnectionStrings__Postgres"] = postgres ?? Postgres,
            ["Alert__Samples"] = "false",
            ["Alert__Webhooks__AllowLoopback"] = "true", // the receivers run on 127.0.0.1
            ["ALERT_ADMIN_KEY"] = AdminKey,
            // One issuer sends hundreds of notices as fast as the hubs take them, and a hub killed and started again
            // begins with full buckets: far above any desk, so the scenarios measure faults, not the limits.
            ["Alert__RateLimits__Issuer__Burst"] = "100000",
            ["Alert__RateLimits__Admin__Burst"] = "100000",
        }, Output);
        _hubs.Add(hub);
        return hub;
    }

    /// <summary>Once a hub has made the schema: the issuer's key (as HubFixture gives it, through the hub's ApiKeys) and the receivers.</summary>
    public async Task PrepareAsync(HubInstance hub, Func<int, HubInstance>? hubFor = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = Unpooled }).Build();
        var db = new Db(Options.Create(new HubOptions { Database = DatabaseKind.Postgres }), configuration, new HostingEnvironment { ContentRootPath = LogDirectory });
        await new ApiKeys(db).SetStartKeyAsync(Issuer, IssuerKey);
        Receivers = await Receivers.StartAsync(hub.Url, AdminKey, ReceiverCount, "431001");
        Load = new Load($"{Name}-{_run}", IssuerKey, hubFor ?? (_ => hub), Output);
        Output.WriteLine($"[{Clock.Now}] {ReceiverCount} receivers subscribed on {Receivers.Sink.BaseUrl}");
    }

    /// <summary>The keys owed: each accepted notice (revision 1) to each receiver.</summary>
    private HashSet<string> Owed() =>
        [.. Load.Notices.Where(n => n.Fate == Fate.Accepted).SelectMany(n => Receivers.SubscriberIds.Select(s => $"{n.DocumentId}.1.{s}"))];

    public Counts Count()
    {
        var owed = Owed();
        var keys = Receivers.Keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        var delivered = owed.Count(keys.ContainsKey);
        var accepted = Load.Notices.Where(n => n.Fate == Fate.Accepted).Select(n => n.DocumentId).ToHashSet();
        return new Counts(Load.Sent, Load.Accepted, Load.Refused, Load.Failed, Load.Unanswered, Load.Posts, Load.NoAnswer,
            owed.Count, delivered, keys.Values.Sum(n => (long)n - 1), owed.Count - delivered,
            keys.Keys.Count(k => !accepted.Contains(k.Split('.')[0])), Receivers.Misrouted);
    }

    /// <summary>Waits until every owed key has been received (woken by receipts), or <paramref name="timeout"/>; answers how long it took.</summary>
    public async Task<(bool Done, TimeSpan Took)> WaitForEverythingAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var owed = Owed();
        var done = await Receivers.WaitAsync(() => owed.All(Receivers.Keys.ContainsKey), timeout);
        Output.WriteLine($"[{Clock.Now}] {(done ? "everything owed received" : "NOT everything owed received")} after {clock.Elapsed.TotalSeconds:F1} s: {Count()}");
        return (done, clock.Elapsed);
    }

    /// <summary>
    /// What the database holds, by notice identifier: each notice of this run stored, its document, its outbox row.
    /// A notice whole has all three; one answered 503 must have none.
    /// </summary>
    public async Task<StoreCheck> CheckStoreAsync()
    {
        await SettleAsync();
        await using var connection = new NpgsqlConnection(Unpooled);
        await connection.OpenAsync();
        var stored = (await connection.QueryAsync<(string Identifier, string DocumentId, int Revision, bool Document, bool Outbox, bool FannedOut)>("""
            SELECT n.identifier, n.document_id, n.revision,
                   EXISTS (SELECT 1 FROM documents d WHERE d.id = n.document_id AND d.current_revision >= n.revision) AS document,
                   EXISTS (SELECT 1 FROM outbox o WHERE o.document_id = n.document_id AND o.revision = n.revision) AS outbox,
                   n.fanned_out_at IS NOT NULL AS fannedout
            FROM notices n
            """)).ToList();
        var documentsWithoutNotice = await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM notices n WHERE n.document_id = d.id)");
        var outboxWithoutNotice = await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM notices n WHERE n.document_id = o.document_id AND n.revision = o.revision)");
        var deliveries = (await connection.QueryAsync<(string State, int Count)>("SELECT state, count(*)::int FROM deliveries GROUP BY state ORDER BY state"))
            .ToDictionary(d => d.State, d => d.Count);
        var unsent = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM outbox WHERE sent_at IS NULL");
        // Rows not final yet are sent again once their lease lapses: those a receiver already has will be repeats.
        var open = (await connection.QueryAsync<string>(
            "SELECT document_id || '.' || revision || '.' || subscriber_id FROM deliveries WHERE state IN ('pending', 'sending', 'retrying')")).ToList();
        var byIdentifier = stored.ToLookup(s => s.Identifier);
        var notices = Load.Notices;
        return new StoreCheck(
            Stored: stored.Count,
            AcceptedMissing: [.. notices.Where(n => n.Fate == Fate.Accepted && !byIdentifier[n.Identifier].Any(s => s.DocumentId == n.DocumentId)).Select(n => n.Identifier)],
            RefusedStored: [.. notices.Where(n => n.Fate == Fate.Refused && byIdentifier[n.Identifier].Any()).Select(n => n.Identifier)],
            Strangers: [.. stored.Where(s => !notices.Any(n => n.Identifier == s.Identifier)).Select(s => s.Identifier)],
            HalfWritten: [.. stored.Where(s => !s.Document || !s.Outbox).Select(s => s.Identifier)],
            DocumentsWithoutNotice: documentsWithoutNotice,
            OutboxWithoutNotice: outboxWithoutNotice,
            NotFannedOut: stored.Count(s => !s.FannedOut),
            OutboxUnsent: unsent,
            Deliveries: deliveries)
        {
            RepeatsDue = open.Count(Receivers.Keys.ContainsKey),
        };
    }

    /// <summary>
    /// Waits (up to 10 s) until no delivery row is still being recorded: the hub writes a delivered state a moment after
    /// the receiver answered, so right after the last receipt some rows still say sending. Rows that stay open are
    /// waiting for their lease to lapse (a hub died holding them).
    /// </summary>
    private async Task SettleAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        int? last = null;
        while (DateTime.UtcNow < deadline)
        {
            await using var connection = new NpgsqlConnection(Unpooled);
            await connection.OpenAsync();
            var open = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM deliveries WHERE state IN ('pending', 'sending', 'retrying')");
            if (open == 0 || open == last) return;
            last = open;
            await Task.Delay(1000); // polling the database for a condition (no more change), bounded above
        }
    }

    /// <summary>The owed keys not received, with their rows' states (for a failure's message).</summary>
    public async Task<string> DescribeLostAsync(int max = 8)
    {
        var owed = Owed();
        var lost = owed.Where(k => !Receivers.Keys.ContainsKey(k)).Take(max).ToList();
        if (lost.Count == 0) return "none";
        await using var connection = new NpgsqlConnection(Unpooled);
        await connection.OpenAsync();
        var text = new StringBuilder();
        foreach (var key in lost)
        {
            var parts = key.Split('.');
            var row = await connection.QuerySingleOrDefaultAsync<(string State, int Attempts, DateTime? NextAttemptAt, string? LastError)>(
                "SELECT state, attempts, next_attempt_at, last_error FROM deliveries WHERE document_id = @d AND revision = @r AND subscriber_id = @s",
                new { d = parts[0], r = int.Parse(parts[1], CultureInfo.InvariantCulture), s = parts[2] });
            var fanned = await connection.ExecuteScalarAsync<DateTime?>("SELECT fanned_out_at FROM notices WHERE document_id = @d", new { d = parts[0] });
            text.Append(CultureInfo.InvariantCulture, $"\n  {key}: ").Append(row.State is null
                ? $"no delivery row (notice fanned out at {fanned?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "never"})"
                : $"{row.State}, {row.Attempts} attempts, next {row.NextAttemptAt:HH:mm:ss.fff} UTC, last error {row.LastError ?? "none"}");
        }
        return text.ToString();
    }

    /// <summary>
    /// The verdict and the record: writes the scenario's line to the results file (ALERT_FAULT_RESULTS, default
    /// /tmp/alert-fault/results.md) and to the test's output, then fails on a 500 or other failed answer, anything owed
    /// not received, anything refused stored or sent, a notice half-written, a key at the wrong receiver.
    /// </summary>
    public async Task FinishAsync(bool everything, TimeSpan recovery, string what)
    {
        var counts = Count();
        var store = await CheckStoreAsync();
        var lost = counts.Lost > 0 ? await DescribeLostAsync() : "";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {Name} | {counts.Sent} | {counts.Accepted} | {counts.Refused} | {counts.Failed} | {counts.Unanswered} | {counts.Expected} | {counts.Delivered} | {counts.Duplicates} (+{store.RepeatsDue} due) | {counts.Lost} | {Elapsed.TotalSeconds:F0} s | {recovery.TotalSeconds:F1} s | {what}; POSTs {counts.Posts} ({counts.NoAnswer} unanswered, {Load.Statuses}); rows {string.Join(", ", store.Deliveries.Select(d => $"{d.Key} {d.Value}"))} |");
        Output.WriteLine(line);
        var results = Environment.GetEnvironmentVariable("ALERT_FAULT_RESULTS") is { Length: > 0 } file ? file : Path.Combine(Path.GetTempPath(), "alert-fault", "results.md");
        await File.AppendAllTextAsync(results, $"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {line}\n");

        var problems = new List<string>();
        if (counts.Failed > 0)
            problems.Add($"{counts.Failed} notices answered neither 202 nor 503: {string.Join("; ", Load.Notices.Where(n => n.Fate == Fate.Failed).Take(3).Select(n => string.Join(" / ", n.Answers)))}");
        if (Load.RefusedWithoutRetryAfter > 0) problems.Add($"{Load.RefusedWithoutRetryAfter} 503s without Retry-After");
        if (!everything || counts.Lost > 0) problems.Add($"{counts.Lost} of {counts.Expected} owed deliveries not received within the scenario's time:{lost}");
        if (counts.Unowed > 0) problems.Add($"{counts.Unowed} keys received of documents no 202 named");
        if (counts.Misrouted > 0) problems.Add($"{counts.Misrouted} POSTs at a receiver whose subscriber the key does not name");
        if (store.AcceptedMissing.Count > 0) problems.Add($"accepted but not stored: {string.Join(", ", store.AcceptedMissing.Take(5))}");
        if (store.RefusedStored.Count > 0) problems.Add($"answered 503 yet stored: {string.Join(", ", store.RefusedStored.Take(5))}");
        if (store.HalfWritten.Count > 0 || store.DocumentsWithoutNotice > 0 || store.OutboxWithoutNotice > 0)
            problems.Add($"half-written: {store.HalfWritten.Count} notices without document or outbox row, {store.DocumentsWithoutNotice} documents without notice, {store.OutboxWithoutNotice} outbox rows without notice");
        if (store.Strangers.Count > 0) problems.Add($"stored notices this scenario did not send: {string.Join(", ", store.Strangers.Take(5))}");
        Output.WriteLine($"[{Clock.Now}] store: {store}");
        if (problems.Count > 0)
            Assert.Fail($"{Name}: {string.Join("\n", problems)}\ncounts: {counts}\nstore: {store}\nhub logs: {LogDirectory}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            try
            {
                await hub.DisposeAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                Output.WriteLine($"stopping {hub.Name}: {e.Message}");
            }
        }
        if (Receivers is not null) await Receivers.DisposeAsync();
        foreach (var cleanup in _cleanups)
        {
            try
            {
                await cleanup();
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                Output.WriteLine($"cleanup: {e.Message}");
            }
        }
    }
}

public sealed record StoreCheck(int Stored, IReadOnlyList<string> AcceptedMissing, IReadOnlyList<string> RefusedStored, IReadOnlyList<string> Strangers,
    IReadOnlyList<string> HalfWritten, int DocumentsWithoutNotice, int OutboxWithoutNotice, int NotFannedOut, int OutboxUnsent,
    IReadOnlyDictionary<string, int> Deliveries)
{
    /// <summary>Rows still pending, sending or retrying whose key receivers already have: repeats to come when their lease lapses.</summary>
    public int RepeatsDue { get; init; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Stored} notices stored ({RepeatsDue} repeats due, {NotFannedOut} not fanned out, {OutboxUnsent} outbox rows unsent); deliveries {string.Join(", ", Deliveries.Select(d => $"{d.Key} {d.Value}"))}; accepted missing {AcceptedMissing.Count}, refused stored {RefusedStored.Count}, strangers {Strangers.Count}, half-written {HalfWritten.Count}/{DocumentsWithoutNotice}/{OutboxWithoutNotice}");
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultScenarios : ICollectionFixture<FaultServers>
{
    /// <summary>One at a time: each loads both cores, and some stop servers.</summary>
    public const string Name = "Fault scenarios";
}
