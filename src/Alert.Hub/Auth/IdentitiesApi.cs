using Alert.Core;
using Alert.Core.Codes;
using Alert.Geo;
using Alert.Hub.Audit;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Auth;

public sealed record IdentityRequest(string? Id, string? Name, string? Role, string? Kind, string? AreaCode, IReadOnlyList<string>? Areas)
{
    /// <summary>On creation: the first key's label and expiry (none: it does not expire).</summary>
    public KeyRequest? Key { get; init; }
}

public sealed record KeyRequest(string? Label, DateTimeOffset? ExpiresAt)
{
    /// <summary>On rotation: how long the key the request came with keeps working (default a day, 0 to end it now).</summary>
    public int? RetireCurrentAfterSeconds { get; init; }
}

public sealed record IdentityView(string Id, string Name, string Role, string? Kind, string? AreaCode, IReadOnlyList<string> Areas,
    DateTimeOffset? DisabledAt, IReadOnlyList<KeyInfo> Keys)
{
    /// <summary>The first key, in the answer that creates the identity and nowhere else.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public NewKey? Key { get; init; }
}

/// <summary>
/// Who may call the hub, and with which keys. Admins manage identities and their keys; every identity can see itself
/// and rotate its own key (<c>/api/v1/me</c>). Disabling an identity ends all its keys at once; it is never deleted,
/// because its notices and the audit log name it.
/// </summary>
public static partial class IdentitiesApi
{
    private static readonly TimeSpan DefaultGrace = TimeSpan.FromDays(1);
    private static readonly TimeSpan MaxGrace = TimeSpan.FromDays(30);

    public static void MapIdentities(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/admin/identities").WithTags("Identities").RequireAuthorization(Roles.Admin).AuditChanges();
        admin.MapGet("/", List);
        admin.MapPost("/", Create);
        admin.MapGet("/{id}", Get);
        admin.MapPut("/{id}", Update);
        admin.MapDelete("/{id}", Disable);
        admin.MapPost("/{id}/keys", AddKey);
        admin.MapDelete("/{id}/keys/{keyId}", async Task<Results<NoContent, ProblemHttpResult>> (string id, string keyId, ApiKeys keys) =>
            await keys.RevokeAsync(id, keyId) ? TypedResults.NoContent() : NotFound($"{id}/keys/{keyId}"));

        var me = app.MapGroup("/api/v1/me").WithTags("Identities").RequireAuthorization(p => p.RequireRole(Roles.All));
        me.MapGet("/", (System.Security.Claims.ClaimsPrincipal user, Db db) => Get(Identity.From(user).Id, db));
        me.MapPost("/keys", Rotate).AuditChanges();
    }

    private static async Task<Ok<List<IdentityView>>> List(Db db) => TypedResults.Ok(await ViewsAsync(db, null));

    private static async Task<Results<Ok<IdentityView>, ProblemHttpResult>> Get(string id, Db db) =>
        await ViewAsync(id, db) is { } view ? TypedResults.Ok(view) : NotFound(id);

    private static async Task<IdentityView?> ViewAsync(string id, Db db) => (await ViewsAsync(db, id)).SingleOrDefault();

    /// <summary>
    /// One identity, or all of them (id null), each with its keys: two queries whatever their number. One identity is
    /// read by its id alone: with a condition that also covers "no id" (<c>@id IS NULL OR …</c>), PostgreSQL's cached
    /// plan read every key of every identity, for each identity made or shown (1,741 municipalities, each with keys).
    /// </summary>
    private static async Task<List<IdentityView>> ViewsAsync(Db db, string? id)
    {
        var (ofIdentity, ofKeys) = id is null ? ("", "") : ("WHERE id = @id", "WHERE identity_id = @id");
        await using var connection = await db.OpenAsync();
        var rows = await connection.QueryAsync<(string Id, string Name, string Role, string? Kind, string? AreaCode, string Areas, DateTimeOffset? DisabledAt)>(
            $"SELECT id, name, role, kind, area_code, areas, disabled_at FROM identities {ofIdentity} ORDER BY id", new { id });
        var keys = (await connection.QueryAsync<(string IdentityId, string KeyId, string? Label, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt)>($"""
            SELECT identity_id, key_id, label, created_at, expires_at, revoked_at FROM api_keys
            {ofKeys} ORDER BY created_at, key_id
            """, new { id })).ToLookup(k => k.IdentityId, k => new KeyInfo(k.KeyId, k.Label, k.CreatedAt, k.ExpiresAt, k.RevokedAt));
        return rows.Select(r => new IdentityView(r.Id, r.Name, r.Role, r.Kind, r.AreaCode, Intake.NoticeStore.Split(r.Areas), r.DisabledAt, keys[r.Id].ToList())).ToList();
    }

    private static async Task<Results<Created<IdentityView>, ProblemHttpResult>> Create(IdentityRequest request, Db db, Gazetteer gazetteer)
    {
        var (identity, problems) = Read(request, null, gazetteer);
        if (request.Key?.ExpiresAt is { } expires && expires <= DateTimeOffset.UtcNow)
            problems.Add(new Problem("identity.key.expired", "$.key.expiresAt", null, null, "有効期限が過去の日時です。", "The expiry is in the past."));
        if (problems.Count > 0) return Invalid(problems);

        await using var connection = await db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM identities WHERE id = @Id", identity, tx) > 0)
            return HubProblems.One(StatusCodes.Status409Conflict, "identity.exists", $"ID「{identity!.Id}」は既にあります。",
                $"Identity '{identity.Id}' already exists.", "$.id");
        await ApiKeys.SaveAsync(connection, tx, identity!);
        var key = await ApiKeys.AddKeyAsync(connection, tx, identity!.Id, request.Key?.Label, request.Key?.ExpiresAt);
        await tx.CommitAsync();
        var view = (await ViewAsync(identity.Id, db))! with { Key = key };
        return TypedResults.Created($"/api/v1/admin/identities/{identity.Id}", view);
    }

    private static async Task<Results<Ok<IdentityView>, ProblemHttpResult>> Update(string id, IdentityRequest request, Db db, Gazetteer gazetteer)
    {
        var (identity, problems) = Read(request, id, gazetteer);
        if (problems.Count > 0) return Invalid(problems);
        await using var connection = await db.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM identities WHERE id = @id", new { id }, tx) == 0) return NotFound(id);
        await ApiKeys.SaveAsync(connection, tx, identity!);
        await tx.CommitAsync();
        return TypedResults.Ok((await ViewAsync(id, db))!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Disable(string id, System.Security.Claims.ClaimsPrincipal user, Db db)
    {
        if (Identity.From(user).Id == id)
            return HubProblems.One(StatusCodes.Status409Conflict, "identity.self",
                "自分自身は無効にできません。別の管理者が行ってください。", "An admin cannot disable itself; another admin must.");
        await using var connection = await db.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        return await connection.ExecuteAsync("UPDATE identities SET disabled_at = COALESCE(disabled_at, @now) WHERE id = @id", new { id, now }) == 1
            ? TypedResults.NoContent() : NotFound(id);
    }

    private static async Task<Results<Created<NewKey>, ProblemHttpResult>> AddKey(string id, KeyRequest? request, Db db, ApiKeys keys)
    {
        if (request?.ExpiresAt is { } expires && expires <= DateTimeOffset.UtcNow)
            return HubProblems.One(StatusCodes.Status422UnprocessableEntity, "identity.key.expired", "有効期限が過去の日時です。", "The expiry is in the past.", "$.expiresAt");
        await using var connection = await db.OpenAsync();
        if (await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM identities WHERE id = @id AND disabled_at IS NULL", new { id }) == 0) return NotFound(id);
        var key = await keys.AddKeyAsync(id, request?.Label, request?.ExpiresAt);
        return TypedResults.Created($"/api/v1/admin/identities/{id}", key);
    }

    /// <summary>
    /// A new key for the caller; the key the request came with keeps working for a grace period (a day by default) so
    /// that every system using it can be switched over, then expires.
    /// </summary>
    private static async Task<Results<Created<NewKey>, ProblemHttpResult>> Rotate(KeyRequest? request, System.Security.Claims.ClaimsPrincipal user, ApiKeys keys)
    {
        var grace = request?.RetireCurrentAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultGrace;
        var problems = new List<Problem>();
        if (grace < TimeSpan.Zero || grace > MaxGrace)
            problems.Add(new Problem("identity.key.grace", "$.retireCurrentAfterSeconds", null, null,
                $"retireCurrentAfterSeconds は 0 から {MaxGrace.TotalSeconds:F0}（30 日）までです。", $"retireCurrentAfterSeconds is from 0 to {MaxGrace.TotalSeconds:F0} (30 days)."));
        if (request?.ExpiresAt is { } expires && expires <= DateTimeOffset.UtcNow)
            problems.Add(new Problem("identity.key.expired", "$.expiresAt", null, null, "有効期限が過去の日時です。", "The expiry is in the past."));
        if (problems.Count > 0) return Invalid(problems);

        var caller = Identity.From(user);
        var key = await keys.AddKeyAsync(caller.Id, request?.Label, request?.ExpiresAt);
        await keys.RetireAsync(user.FindFirst(Identity.KeyClaim)!.Value, DateTimeOffset.UtcNow + grace);
        return TypedResults.Created("/api/v1/me", key);
    }

    /// <summary>Every problem with an identity as asked for: its id, name, role, and the area its kind needs.</summary>
    private static (Identity? Identity, List<Problem> Problems) Read(IdentityRequest request, string? id, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        void Add(string code, string path, string ja, string en) => problems.Add(new Problem(code, path, null, null, ja, en));
        bool Known(string? code) => LocalGovernmentCode.TryParse(code, out var c, out _) && gazetteer.Find(c) is not null;

        id ??= request.Id;
        if (id is null || !IdPattern().IsMatch(id))
            Add("identity.id", "$.id", "id は英小文字・数字と . _ - の 64 文字までです。", "id is lower-case letters, digits, . _ -, up to 64 characters.");
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
            Add("identity.name", "$.name", "name（表示名、100 文字まで）が必要です。", "A name (up to 100 characters) is required.");
        if (request.Role is null || !Roles.All.Contains(request.Role))
            Add("identity.role", "$.role", $"role は {string.Join(", ", Roles.All)} のいずれかです。", $"role is one of {string.Join(", ", Roles.All)}.");

        var kind = request.Kind;
        var areas = request.Areas ?? [];
        if (request.Role == Roles.Issuer)
        {
            if (kind is null || !IssuerKinds.All.Contains(kind))
                Add("identity.kind", "$.kind", $"発信者の kind は {string.Join(", ", IssuerKinds.All)} のいずれかです。",
                    $"An issuer's kind is one of {string.Join(", ", IssuerKinds.All)}.");
            var code = LocalGovernmentCode.TryParse(request.AreaCode, out var c, out _) ? c : (LocalGovernmentCode?)null;
            if (kind == IssuerKinds.Municipality && (code is not { IsPrefecture: false } || !Known(request.AreaCode)))
                Add("identity.area", "$.areaCode", "市町村の発信者には areaCode（市区町村の地方公共団体コード）が必要です。",
                    "A municipality needs areaCode, its local government code.");
            if (kind == IssuerKinds.Prefecture && code is not { IsPrefecture: true })
                Add("identity.area", "$.areaCode", "都道府県の発信者には areaCode（都道府県コード、例 43 か 430005）が必要です。",
                    "A prefecture needs areaCode, its prefecture code (43 or 430005).");
            if (kind is IssuerKinds.Lifeline or IssuerKinds.National && request.AreaCode is not null)
                Add("identity.area", "$.areaCode", "ライフライン事業者と国の機関には areaCode を付けません（事業者は areas で供給区域を指定します）。",
                    "Lifeline operators and national bodies have no areaCode (an operator gives its service area in areas).");
            if (kind == IssuerKinds.Lifeline && areas.Count == 0)
                Add("identity.areas", "$.areas", "ライフライン事業者には areas（供給区域の都道府県・市区町村コード）が必要です。",
                    "A lifeline operator needs areas: the prefecture or municipality codes of its service area.");
            if (kind != IssuerKinds.Lifeline && areas.Count > 0)
                Add("identity.areas", "$.areas", "areas はライフライン事業者だけに指定します。", "Only a lifeline operator has areas.");
            foreach (var (area, i) in areas.Select((a, i) => (a, i)).Where(a => !Known(a.a)))
                Add("code.unknown", $"$.areas[{i}]", $"「{area}」は地方公共団体コードではありません。", $"'{area}' is not a known local government code.");
        }
        else if (request.Role == Roles.Field)
        {
            // Field staff report for a desk: their area is where a report without a location goes.
            if (!Known(request.AreaCode))
                Add("identity.area", "$.areaCode", "現地職員には areaCode（所属する市区町村か都道府県の地方公共団体コード）が必要です。",
                    "Field staff need areaCode: the local government code of the municipality or prefecture they report to.");
            if (kind is not null || areas.Count > 0)
                Add("identity.kind", "$.kind", "kind と areas は発信者だけのものです。", "kind and areas are for issuers only.");
        }
        else if (kind is not null || request.AreaCode is not null || areas.Count > 0)
        {
            Add("identity.kind", "$.kind", "kind、areaCode、areas は発信者と現地職員だけのものです。", "kind, areaCode and areas are for issuers and field staff only.");
        }
        if (problems.Count > 0) return (null, problems);

        // Codes are stored as the gazetteer knows them (43100, 43): the scope check compares them as such.
        static string Short(string code) => LocalGovernmentCode.Parse(code).Value;
        return (new Identity(id!, request.Name!.Trim(), request.Role!, request.AreaCode is null ? null : Short(request.AreaCode))
        {
            Kind = kind,
            Areas = areas.Select(Short).Distinct().ToList(),
        }, problems);
    }

    private static ProblemHttpResult Invalid(List<Problem> problems) =>
        HubProblems.Result(StatusCodes.Status422UnprocessableEntity, "identity.invalid", "ID の内容に誤りがあります。", "The identity is not valid.", problems);

    private static ProblemHttpResult NotFound(string id) =>
        HubProblems.One(StatusCodes.Status404NotFound, "identity.not-found", $"「{id}」はありません。", $"'{id}' does not exist.");

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial System.Text.RegularExpressions.Regex IdPattern();
}
