using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Dapper;

namespace Alert.Hub.Audit;

/// <summary>One entry of the audit log, as stored and as hashed.</summary>
public sealed record AuditEntry
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public required string Actor { get; init; }
    public required string Action { get; init; }
    public string? Subject { get; init; }
    public required string Detail { get; init; }
    public required string PrevHash { get; init; }
    public required string Hash { get; init; }

    /// <summary>SHA-256 over the previous hash and every field, one per line; the first entry's previous hash is empty.</summary>
    public static string HashOf(string prevHash, long id, DateTimeOffset at, string actor, string action, string? subject, string detail) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
            prevHash, id.ToString(CultureInfo.InvariantCulture), at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            actor, action, subject ?? "", detail))));
}

/// <summary>
/// The append-only, hash-chained record of who did what: notices accepted (with their revision and areas), refused
/// (with every problem's code) and every admin change. A notice's entry is written in the notice's own transaction,
/// so one is never stored without the other. The database refuses updates and deletes (triggers); the chain shows
/// anything done around them.
/// </summary>
public sealed class AuditLog(Db db)
{
    /// <summary>Reads the chain's last entry; sent after the logs' lock is taken (<see cref="Db.LockLogs"/>), in the same transaction.</summary>
    public const string Last = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";

    /// <summary>
    /// Appends inside the caller's transaction, after its other writes, to the chain whose <paramref name="last"/>
    /// entry it read under the logs' lock (none: an empty log).
    /// </summary>
    public static Task AppendAsync(DbConnection connection, DbTransaction tx, (long Id, string? Hash) last,
        string actor, string action, string? subject, object detail) =>
        AppendAsync(connection, tx, last, [new NewEntry(actor, action, subject, detail)]);

    /// <summary>One entry to append: who did what to which subject, and the details hashed with it.</summary>
    public sealed record NewEntry(string Actor, string Action, string? Subject, object Detail);

    /// <summary>Appends <paramref name="entries"/> in order, each chained to the one before, in one statement.</summary>
    public static async Task AppendAsync(DbConnection connection, DbTransaction tx, (long Id, string? Hash) last, IReadOnlyList<NewEntry> entries)
    {
        var now = DateTimeOffset.UtcNow;
        var at = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero); // stored exactly by both databases
        var (id, prev) = (last.Id, last.Hash ?? "");
        var args = new DynamicParameters();
        var rows = new List<string>(entries.Count);
        foreach (var (entry, i) in entries.Select((e, i) => (e, i)))
        {
            id++;
            var text = JsonSerializer.Serialize(entry.Detail);
            var hash = AuditEntry.HashOf(prev, id, at, entry.Actor, entry.Action, entry.Subject, text);
            args.AddDynamicParams(new Dictionary<string, object?>
            {
                [$"id{i}"] = id, [$"at{i}"] = at, [$"actor{i}"] = entry.Actor, [$"action{i}"] = entry.Action,
                [$"subject{i}"] = entry.Subject, [$"text{i}"] = text, [$"prev{i}"] = prev, [$"hash{i}"] = hash,
            });
            rows.Add($"(@id{i}, @at{i}, @actor{i}, @action{i}, @subject{i}, @text{i}, @prev{i}, @hash{i})");
            prev = hash;
        }
        await connection.ExecuteAsync("INSERT INTO audit (id, at, actor, action, subject, detail, prev_hash, hash) VALUES\n"
            + string.Join(",\n", rows), args, tx);
    }

    /// <summary>Appends in a transaction of its own (a refusal, an admin change already committed).</summary>
    public async Task AppendAsync(string actor, string action, string? subject, object detail, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var last = await connection.QuerySingleOrDefaultAsync<(long Id, string? Hash)>(Db.LockLogs(connection) + Last, transaction: tx);
        await AppendAsync(connection, tx, last, actor, action, subject, detail);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(long after, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<AuditEntry>("""
            SELECT id, at, actor, action, subject, detail, prev_hash AS prevhash, hash FROM audit WHERE id > @after ORDER BY id LIMIT @limit
            """, new { after, limit })).ToList();
    }

    /// <summary>What a walk along the chain found: how many entries, and the first that does not follow from the one before.</summary>
    public sealed record Verdict(bool Intact, long Entries, long? BrokenAt, string? Reason);

    public async Task<Verdict> VerifyAsync(CancellationToken ct)
    {
        var (prev, expected, count) = ("", 1L, 0L);
        for (var page = await ReadAsync(0, 1000, ct); page.Count > 0; page = await ReadAsync(page[^1].Id, 1000, ct))
        {
            foreach (var e in page)
            {
                string? reason = e.Id != expected ? $"entry {expected} is missing"
                    : e.PrevHash != prev ? "its previous hash is not the hash of the entry before"
                    : e.Hash != AuditEntry.HashOf(e.PrevHash, e.Id, e.At, e.Actor, e.Action, e.Subject, e.Detail) ? "its hash does not match its fields"
                    : null;
                if (reason is not null) return new Verdict(false, count, e.Id, reason);
                (prev, expected, count) = (e.Hash, e.Id + 1, count + 1);
            }
        }
        return new Verdict(true, count, null, null);
    }

    /// <summary>The caller, as the log names them.</summary>
    public static string Actor(System.Security.Claims.ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true ? Identity.From(user).Id : "anonymous";
}

public static class AuditApi
{
    public static IServiceCollection AddAudit(this IServiceCollection services) => services.AddSingleton<AuditLog>();

    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/audit").WithTags("Operations").RequireAuthorization(Roles.Admin);
        group.MapGet("/", async (AuditLog audit, long? after, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await audit.ReadAsync(after ?? 0, Math.Clamp(limit ?? 100, 1, 1000), ct)));
        group.MapGet("/verify", async (AuditLog audit, CancellationToken ct) => TypedResults.Ok(await audit.VerifyAsync(ct)));
        return group;
    }

    /// <summary>
    /// Records every change an endpoint makes (any method but GET that succeeds): who, what path, what answer. The
    /// entry follows the change's own commit; the change's details stay in its tables.
    /// </summary>
    public static TBuilder AuditChanges<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var http = context.HttpContext;
            var answer = result;
            while (answer is INestedHttpResult nested) answer = nested.Result;
            if (!HttpMethods.IsGet(http.Request.Method) && answer is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } done)
                await http.RequestServices.GetRequiredService<AuditLog>().AppendAsync(AuditLog.Actor(http.User), "admin.change",
                    http.Request.Path.Value, new { method = http.Request.Method, status = done.StatusCode }, CancellationToken.None);
            return result;
        });
}
