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
    public const string Admin = "admin";
}

/// <summary>Who is calling: an issuer speaks for the area of <see cref="AreaCode"/>; an admin manages the hub.</summary>
public sealed record Identity(string Id, string Name, string Role, string? AreaCode)
{
    public static Identity From(ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier)!, user.FindFirstValue(ClaimTypes.Name)!,
        user.FindFirstValue(ClaimTypes.Role)!, user.FindFirstValue(AreaClaim));

    public const string AreaClaim = "alert:area";
}

/// <summary>API keys, stored only as SHA-256 hashes: the plain key is shown once, when it is made.</summary>
public sealed class ApiKeys(Db db)
{
    public static string NewKey() => "ak_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task<Identity?> FindAsync(string key)
    {
        await using var connection = await db.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<Identity>("""
            SELECT i.id, i.name, i.role, i.area_code AS areacode
            FROM api_keys k JOIN identities i ON i.id = k.identity_id
            WHERE k.key_hash = @hash
            """, new { hash = Hash(key) });
    }

    /// <summary>Creates or updates the identity and makes <paramref name="key"/> its only key.</summary>
    public async Task SetOnlyKeyAsync(Identity identity, string key)
    {
        await using var connection = await db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO identities (id, name, role, area_code) VALUES (@Id, @Name, @Role, @AreaCode)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, area_code = excluded.area_code
            """, identity, tx);
        await connection.ExecuteAsync("DELETE FROM api_keys WHERE identity_id = @Id", identity, tx);
        await connection.ExecuteAsync("INSERT INTO api_keys (key_hash, identity_id, created_at) VALUES (@hash, @id, @now)",
            new { hash = Hash(key), id = identity.Id, now = DateTimeOffset.UtcNow }, tx);
        await tx.CommitAsync();
    }
}

/// <summary><c>Authorization: Bearer &lt;key&gt;</c>. Failures answer in problem+json like every other error.</summary>
public sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var identity = await keys.FindAsync(header["Bearer ".Length..].Trim());
        if (identity is null) return AuthenticateResult.Fail("unknown API key");

        List<Claim> claims = [new(ClaimTypes.NameIdentifier, identity.Id), new(ClaimTypes.Name, identity.Name), new(ClaimTypes.Role, identity.Role)];
        if (identity.AreaCode is { } area) claims.Add(new Claim(Identity.AreaClaim, area));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return HubProblems.One(StatusCodes.Status401Unauthorized, "auth.required",
            "API キーが必要です。Authorization: Bearer <キー> ヘッダーで送ってください（キーが無効な場合もこの応答になります）。",
            "An API key is required: send it as Authorization: Bearer <key> (an unknown key gets this answer too).").ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        HubProblems.One(StatusCodes.Status403Forbidden, "auth.forbidden",
            "このキーではこの操作はできません。", "This key is not allowed to do this.").ExecuteAsync(Context);
}
