using Dapper;

namespace Alert.Hub.Storage;

/// <summary>
/// Applies the numbered .sql files embedded under Storage/Migrations/{sqlite|postgres} that the journal table
/// does not list yet, each in its own transaction, in name order. Runs before the hub accepts anything.
/// </summary>
public sealed partial class Migrator(Db db, ILogger<Migrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var dialect = db.Kind == DatabaseKind.Postgres ? "postgres" : "sqlite";
        var prefix = $"Alert.Hub.Storage.Migrations.{dialect}.";
        var assembly = typeof(Migrator).Assembly;
        var scripts = assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();

        await using var connection = await db.OpenAsync(cancellationToken);
        if (db.Kind == DatabaseKind.Postgres)
        {
            // Several hubs may start at once against one database: one migrates, the others wait for it.
            await connection.ExecuteAsync("SELECT pg_advisory_lock(4310010)");
        }
        else
        {
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL");
        }

        try
        {
            await connection.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS schema_journal (
                    version    TEXT PRIMARY KEY,
                    applied_at TEXT NOT NULL
                )
                """);
            var applied = (await connection.QueryAsync<string>("SELECT version FROM schema_journal")).ToHashSet();

            foreach (var script in scripts)
            {
                var version = script[prefix.Length..^".sql".Length];
                if (applied.Contains(version)) continue;
                await using var stream = assembly.GetManifestResourceStream(script)!;
                var sql = await new StreamReader(stream).ReadToEndAsync(cancellationToken);
                await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(sql, transaction: tx);
                await connection.ExecuteAsync("INSERT INTO schema_journal (version, applied_at) VALUES (@version, @now)",
                    new { version, now = DateTimeOffset.UtcNow.ToString("O") }, tx);
                await tx.CommitAsync(cancellationToken);
                LogApplied(logger, version);
            }
        }
        finally
        {
            // Released here, not by a reset: connections go back to the pool as they are (see Db).
            if (db.Kind == DatabaseKind.Postgres) await connection.ExecuteAsync("SELECT pg_advisory_unlock(4310010)");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version}")]
    private static partial void LogApplied(ILogger logger, string version);
}
