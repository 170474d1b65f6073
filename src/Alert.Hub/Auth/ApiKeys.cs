using System.Data.Common;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Auth;

public static class Roles
{
    public const string Issuer = "issuer";
    public const string Subscriber = "subscriber";
    public const string Admin = "admin";

    /// <summary>Field staff and trusted volunteers (参加型情報収集): they post field reports and nothing else.</summary>
    public const string Field = "field";

    public static readonly string[] All = [Issuer, Subscriber, Admin, Field];
}

/// <summary>What an issuer is; its kind sets what it may speak for (<see cref="IssuerScope"/>).</summary>
public static class IssuerKinds
{
    public const string Municipality = "municipality";
    public const string Prefecture = "prefecture";
    public const string Lifeline = "lifeline";
    public const string National = "national";

    public static readonly string[] All = [Municipality, Prefecture, Lifeline, National];

    /// <summary>Issuers made before kinds existed: a two-digit code is a prefecture's, any other a municipality's.</summary>
    public static string? Of(string role, string? areaCode) =>
        role != Roles.Issuer ? null : areaCode is { Length: 2 } ? Prefecture : Municipality;
}

/// <summary>
/// Who is calling. An issuer speaks for <see cref="AreaCode"/> (a municipality's or a prefecture's code) or, for a
/// lifeline operator, for its declared <see cref="Areas"/>; a subscriber looks after its own subscriptions; an admin
/// manages the hub.
/// </summary>
public sealed record Identity(string Id, string Name, string Role, string? AreaCode)
{
    public string? Kind { get; init; } = IssuerKinds.Of(Role, AreaCode);

    /// <summary>A lifeline operator's service area: prefecture or municipality codes.</summary>
    public IReadOnlyList<string> Areas { get; init; } = [];

    public static Identity From(ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier)!, user.FindFirstValue(ClaimTypes.Name)!,
        user.FindFirstValue(ClaimTypes.Role)!, user.FindFirstValue(AreaClaim))
    {
        Kind = user.FindFirstValue(KindClaim),
        Areas = user.FindFirstValue(AreasClaim)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
    };

    public const string AreaClaim = "alert:area";
    public const string KindClaim = "alert:kind";
    public const string AreasClaim = "alert:areas";
    public const string KeyClaim = "alert:key";
}

/// <summary>A key as listed: never the key itself, which is shown once when it is made.</summary>
public sealed record KeyInfo(string KeyId, string? Label, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>A key just made: the only time the key is shown.</summary>
public sealed record NewKey(string KeyId, string Key, string? Label, DateTimeOffset? ExpiresAt);

/// <summary>
/// API keys, stored only as SHA-256 hashes. An identity may hold several, each with an optional expiry, so a key is
/// rotated without a gap: a new key is made, the old one is given a short expiry or revoked.
/// </summary>
public sealed class ApiKeys(Db db)
{
    public static string NewKey() => "ak_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public enum Found { Unknown, Valid, Expired }

    private const string StartLabel = "start-up";

    private sealed record Row(string Id, string Name, string Role, string? AreaCode, string? Kind, string? Areas, string KeyId,
        DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? DisabledAt);

    public async Task<(Found Found, Identity? Identity, string? KeyId)> FindAsync(string key)
    {
        await using var connection = await db.OpenAsync();
        var row = await connection.QuerySingleOrDefaultAsync<Row>("""
            SELECT i.id, i.name, i.role, i.area_code AS areacode, i.kind, i.areas, k.key_id AS keyid, k.expires_at AS expiresat, k.revoked_at AS revokedat, i.disabled_at AS disabledat
            FROM api_keys k JOIN identities i ON i.id = k.identity_id
            WHERE k.key_hash = @hash
            """, new { hash = Hash(key) });
        if (row is null || row.RevokedAt is not null || row.DisabledAt is not null) return (Found.Unknown, null, null);
        if (row.ExpiresAt <= DateTimeOffset.UtcNow) return (Found.Expired, null, row.KeyId);
        return (Found.Valid, new Identity(row.Id, row.Name, row.Role, row.AreaCode)
        {
            Kind = row.Kind,
            Areas = row.Areas?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
        }, row.KeyId);
    }

    /// <summary>
    /// Creates or updates the identity and makes <paramref name="key"/> its start-up key, in place of the one the
    /// last start made (for the admin and the sample issuer); keys made through the API stay.
    /// </summary>
    public async Task SetStartKeyAsync(Identity identity, string key)
    {
        await using var connection = await db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await SaveAsync(connection, tx, identity);
        await connection.ExecuteAsync("DELETE FROM api_keys WHERE identity_id = @Id AND label = @label", new { identity.Id, label = StartLabel }, tx);
        await InsertKeyAsync(connection, tx, identity.Id, key, StartLabel, null);
        await tx.CommitAsync();
    }

    /// <summary>Creates or updates an identity (not its keys); a disabled one is enabled again.</summary>
    public static async Task SaveAsync(DbConnection connection, DbTransaction tx, Identity identity)
    {
        await connection.ExecuteAsync("""
            INSERT INTO identities (id, name, role, area_code, kind, areas) VALUES (@Id, @Name, @Role, @AreaCode, @Kind, @areas)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, area_code = excluded.area_code,
                                           kind = excluded.kind, areas = excluded.areas, disabled_at = NULL
            """, new { identity.Id, identity.Name, identity.Role, identity.AreaCode, identity.Kind, areas = string.Join(' ', identity.Areas) }, tx);
    }

    /// <summary>A new key for the identity; in the caller's transaction when it makes the identity too.</summary>
    public static async Task<NewKey> AddKeyAsync(DbConnection connection, DbTransaction? tx, string identityId, string? label, DateTimeOffset? expiresAt)
    {
        var key = NewKey();
        return new NewKey(await InsertKeyAsync(connection, tx, identityId, key, label, expiresAt), key, label, expiresAt);
    }

    public async Task<NewKey> AddKeyAsync(string identityId, string? label, DateTimeOffset? expiresAt)
    {
        await using var connection = await db.OpenAsync();
        return await AddKeyAsync(connection, null, identityId, label, expiresAt);
    }

    private static async Task<string> InsertKeyAsync(DbConnection connection, DbTransaction? tx, string identityId,
        string key, string? label, DateTimeOffset? expiresAt)
    {
        var keyId = "key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        await connection.ExecuteAsync("""
            INSERT INTO api_keys (key_hash, identity_id, key_id, label, created_at, expires_at)
            VALUES (@hash, @identityId, @keyId, @label, @now, @expiresAt)
            """, new { hash = Hash(key), identityId, keyId, label, now = DateTimeOffset.UtcNow, expiresAt }, tx);
        return keyId;
    }

    /// <summary>Revokes a key now; false when the identity has no such key.</summary>
    public async Task<bool> RevokeAsync(string identityId, string keyId)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("""
            UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @now) WHERE identity_id = @identityId AND key_id = @keyId
            """, new { identityId, keyId, now = DateTimeOffset.UtcNow }) == 1;
    }

    /// <summary>Lets a key run until <paramref name="until"/> at the latest: the grace period of a rotation.</summary>
    public async Task RetireAsync(string keyId, DateTimeOffset until)
    {
        await using var connection = await db.OpenAsync();
        var current = await connection.ExecuteScalarAsync<DateTimeOffset?>("SELECT expires_at FROM api_keys WHERE key_id = @keyId", new { keyId });
        if (current is null || current > until)
            await connection.ExecuteAsync("UPDATE api_keys SET expires_at = @until WHERE key_id = @keyId", new { keyId, until });
    }
}

/// <summary><c>Authorization: Bearer &lt;key&gt;</c>. Failures answer in problem+json like every other error.</summary>
public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    private const string ExpiredItem = "alert:key-expired";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var (found, identity, keyId) = await keys.FindAsync(header["Bearer ".Length..].Trim());
        if (found == ApiKeys.Found.Expired)
        {
            // Only someone holding the key learns that it once worked, and the desk then knows what to ask for.
            Context.Items[ExpiredItem] = keyId;
            return AuthenticateResult.Fail("expired API key");
        }
        if (identity is null) return AuthenticateResult.Fail("unknown API key");

        List<Claim> claims = [new(ClaimTypes.NameIdentifier, identity.Id), new(ClaimTypes.Name, identity.Name), new(ClaimTypes.Role, identity.Role),
            new(Identity.KeyClaim, keyId!)];
        if (identity.AreaCode is { } area) claims.Add(new Claim(Identity.AreaClaim, area));
        if (identity.Kind is { } kind) claims.Add(new Claim(Identity.KindClaim, kind));
        if (identity.Areas.Count > 0) claims.Add(new Claim(Identity.AreasClaim, string.Join(' ', identity.Areas)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        if (Context.Items[ExpiredItem] is string keyId)
            return HubProblems.One(StatusCodes.Status401Unauthorized, "auth.key-expired",
                $"この API キー（{keyId}）は有効期限が切れています。管理者に新しいキーを発行してもらってください。",
                $"This API key ({keyId}) has expired: ask an administrator for a new one.").ExecuteAsync(Context);
        return HubProblems.One(StatusCodes.Status401Unauthorized, "auth.required",
            "API キーが必要です。Authorization: Bearer <キー> ヘッダーで送ってください（キーが無効な場合もこの応答になります）。",
            "An API key is required: send it as Authorization: Bearer <key> (an unknown key gets this answer too).").ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        HubProblems.One(StatusCodes.Status403Forbidden, "auth.forbidden",
            "このキーではこの操作はできません。", "This key is not allowed to do this.").ExecuteAsync(Context);
}
