using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alert.Hub.Storage;

/// <summary>
/// Opens connections to whichever database is configured. The SQL elsewhere is written to run on both
/// SQLite and PostgreSQL; the few differences (migrations, timestamps) are handled here and in the migration files.
/// </summary>
public sealed class Db
{
    private readonly string _connectionString;

    public Db(IOptions<HubOptions> options, IConfiguration configuration, IHostEnvironment environment)
    {
        Kind = options.Value.Database;
        if (Kind == DatabaseKind.Postgres)
        {
            var given = configuration.GetConnectionString("Postgres")
                ?? throw new InvalidOperationException("Alert:Database is Postgres but ConnectionStrings:Postgres is not set");
            var postgres = new NpgsqlConnectionStringBuilder(given);
            // The hub keeps no session state on a connection (its only lock is transaction-scoped; the migrator's is
            // released in a finally), so a connection back from the pool needs no reset: without this every open costs
            // PostgreSQL a DISCARD ALL, a dozen a notice under load. Statements run over and over are prepared once per
            // connection instead of parsed and planned every time. An operator's own values win.
            var keys = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = given }; // the keys as written
            if (!keys.ContainsKey("No Reset On Close") && !keys.ContainsKey("NoResetOnClose")) postgres.NoResetOnClose = true;
            if (!keys.ContainsKey("Max Auto Prepare") && !keys.ContainsKey("MaxAutoPrepare")) postgres.MaxAutoPrepare = 64;
            _connectionString = postgres.ConnectionString;
        }
        else
        {
            var directory = Path.Combine(environment.ContentRootPath, options.Value.DataDirectory);
            Directory.CreateDirectory(directory);
            _connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(directory, "alert.db"),
                DefaultTimeout = 30,
                ForeignKeys = true,
                Pooling = true,
            }.ToString();
        }
    }

    static Db()
    {
        // Dapper writes DateTimeOffset itself, bypassing a handler, unless its built-in mapping is removed first;
        // Npgsql refuses offsets other than zero, so every timestamp must go through the handler.
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new UtcTimestampHandler());
    }

    public DatabaseKind Kind { get; }

    public string Describe()
    {
        if (Kind == DatabaseKind.Sqlite) return $"SQLite {new SqliteConnectionStringBuilder(_connectionString).DataSource}";
        var postgres = new NpgsqlConnectionStringBuilder(_connectionString);
        return $"PostgreSQL {postgres.Host}:{postgres.Port}";
    }

    /// <summary>A unique or primary key refused a row: someone else wrote the same thing at the same moment.</summary>
    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555, // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
        _ => false,
    };

    /// <summary>
    /// "column is one of the list in @parameter": Dapper spells a list out as (@a, @b, …) for SQLite, and hands
    /// PostgreSQL one array parameter.
    /// </summary>
    public string AnyOf(string column, string parameter) =>
        Kind == DatabaseKind.Postgres ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>
    /// A statement to put in front of the first write to the hub's logs (outbox ids that streams read in order, the
    /// audit chain): it holds, until the transaction ends, the one lock they are appended under, as PostgreSQL hands out
    /// ids before commit and two writers could commit out of order. SQLite has one writer at a time anyway. Sent with
    /// the write it guards, not on its own: under load every round trip while the lock is held is a wait for the next
    /// statement that every other intake waits behind. A DO block returns no rows, so a query after it reads its own.
    /// </summary>
    public static string LockLogs(DbConnection connection) =>
        connection is NpgsqlConnection ? "DO $$ BEGIN PERFORM pg_advisory_xact_lock(4310020); END $$;\n" : "";

    /// <summary>
    /// A statement to open a transaction with, on PostgreSQL: its statements are planned once per connection, not at
    /// every call. By default PostgreSQL plans a prepared statement anew for as long as a plan for the values at hand
    /// looks cheaper than the general one, and a list of ids (<c>= ANY</c>) always makes it look so. Only for
    /// statements whose every plan is good: ones that find their rows by a key and name no value that would let the
    /// planner pick a partial index it believes small (see the delivery claim).
    /// </summary>
    public static string GenericPlans(DbConnection connection) =>
        connection is NpgsqlConnection ? "SET LOCAL plan_cache_mode = force_generic_plan;\n" : "";

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        DbConnection connection = Kind == DatabaseKind.Postgres
            ? new NpgsqlConnection(_connectionString)
            : new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        if (connection is SqliteConnection sqlite)
        {
            // SQLite's own busy handler waits in steps of a few milliseconds; without it, Microsoft.Data.Sqlite
            // retries a locked database every 150 ms, which showed as 300 ms stalls when intake and delivery meet.
            await using var pragma = sqlite.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout = 30000";
            await pragma.ExecuteNonQueryAsync(ct);
        }
        return connection;
    }

    /// <summary>
    /// Timestamps are UTC everywhere. SQLite keeps them as ISO 8601 text and PostgreSQL as timestamptz
    /// (Npgsql hands back a UTC DateTime); both come back as DateTimeOffset.
    /// </summary>
    private sealed class UtcTimestampHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value.ToUniversalTime();

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTimeOffset d => d,
            DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
            string s => DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new InvalidCastException($"cannot read {value.GetType()} as a timestamp"),
        };
    }
}
