using System.Security.Claims;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Notices;
using Alert.Core.Webhooks;
using Alert.Geo;
using Alert.Hub.Audit;
using Alert.Hub.Auth;
using Alert.Hub.Delivery;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Subscribers;

public sealed record SubscriberRequest(string? Name, string? Kind, string? Url, IReadOnlyList<string>? AreaCodes, IReadOnlyList<string>? Statuses)
{
    public IReadOnlyList<string>? Categories { get; init; }
    public int? MinLevel { get; init; }
    public string? MinSeverity { get; init; }
    public string? Format { get; init; }
    public IReadOnlyList<string>? Languages { get; init; }
    public string? Polygon { get; init; }

    /// <summary>The subscriber identity that looks after it (admins only set this).</summary>
    public string? OwnerId { get; init; }
}

public sealed record Subscriber(string Id, string Name, string Kind, string Url, IReadOnlyList<string> AreaCodes, IReadOnlyList<string> Statuses,
    bool Paused, DateTimeOffset CreatedAt)
{
    /// <summary>Hub categories wanted (evacuation, shelters, disaster-hq, damage, lifeline, general, other); empty: all.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Evacuation notices below this 警戒レベル are not sent; other notices are not affected.</summary>
    public int? MinLevel { get; init; }

    /// <summary>Notices of a lower CAP severity (Minor &lt; Moderate &lt; Severe &lt; Extreme) are not sent.</summary>
    public string? MinSeverity { get; init; }

    /// <summary>The body: cap (CAP 1.2, the default), text (short text for signage and mail), notice-xml, notice-json.</summary>
    public string Format { get; init; } = "cap";

    /// <summary>CAP infos and short text in these languages (ja always first in CAP); empty: Japanese and English.</summary>
    public IReadOnlyList<string> Languages { get; init; } = [];

    /// <summary>A drawn area ("lat,lon lat,lon …") watched beside the codes: a notice whose shape meets it is sent.</summary>
    public string? Polygon { get; init; }

    /// <summary>The subscriber identity that may read and change it besides admins (see /api/v1/me).</summary>
    public string? OwnerId { get; init; }

    /// <summary>The signing secret, in the answer that creates or replaces it and nowhere else: it is shown once.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }
}

/// <summary>
/// The transmitters that receive notices. Admins create and delete them; a subscriber identity reads, changes, pauses
/// and re-keys the ones it owns, and sees no others (someone else's answers 404, as if it did not exist). The fan-out
/// reads the table again whenever it has changed (<see cref="SubscriberFilters"/>), so changes made on any hub apply
/// to the next notice. A paused subscriber's deliveries wait and go out when it is resumed, unless their notice
/// expired meanwhile.
/// </summary>
public static class SubscribersApi
{
    private static readonly string[] Kinds = ["broadcaster", "app", "signage", "other"];
    private static readonly string[] Statuses = ["Actual", "Exercise", "Test"];
    public static readonly string[] Severities = ["Minor", "Moderate", "Severe", "Extreme"];
    private static readonly string[] Formats = ["cap", "text", "notice-xml", "notice-json"];

    // Bounds on what one subscriber may hold: every municipality and ward fits in MaxAreaCodes, and a drawn service
    // area of a few thousand points in MaxPolygon; beyond them a body only costs memory and matching time.
    private const int MaxName = 200, MaxUrl = 2048, MaxPolygon = 200_000, MaxAreaCodes = 2_000;

    public static RouteGroupBuilder MapSubscribers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/subscribers").WithTags("Subscribers")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Subscriber)).AuditChanges();
        group.MapPost("/", Create).RequireAuthorization(Roles.Admin);
        group.MapGet("/", List);
        group.MapGet("/{id}", Get);
        group.MapPut("/{id}", Update);
        group.MapPost("/{id}/pause", (string id, ClaimsPrincipal user, SubscriberStore store) => SetPaused(id, true, user, store));
        group.MapPost("/{id}/resume", (string id, ClaimsPrincipal user, SubscriberStore store) => SetPaused(id, false, user, store));
        group.MapPost("/{id}/secret", RotateSecret);
        group.MapDelete("/{id}", Delete).RequireAuthorization(Roles.Admin);
        return group;
    }

    private static async Task<Results<Ok<Subscriber>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, SubscriberStore store) =>
        await OwnAsync(id, user, store) is { } subscriber ? TypedResults.Ok(subscriber) : NotFound(id);

    /// <summary>The subscriber if the caller may see it: an admin any, a subscriber identity its own.</summary>
    private static async Task<Subscriber?> OwnAsync(string id, ClaimsPrincipal user, SubscriberStore store) =>
        await store.FindAsync(id) is { } subscriber && (user.IsInRole(Roles.Admin) || subscriber.OwnerId == Identity.From(user).Id) ? subscriber : null;

    /// <summary>Replaces name, kind, url and filters; the secret and the paused state stay as they are, and the owner unless an admin changes it.</summary>
    private static async Task<Results<Ok<Subscriber>, ProblemHttpResult>> Update(string id, HttpRequest request, ClaimsPrincipal user, SubscriberStore store, Gazetteer gazetteer)
    {
        if (await OwnAsync(id, user, store) is not { } existing) return NotFound(id);
        var (body, refusal) = await ReadAsync(request, gazetteer, user);
        if (refusal is not null) return refusal;
        var updated = SubscriberStore.From(existing.Id, body!, existing.CreatedAt) with
        {
            Paused = existing.Paused,
            // An admin's edit that names no owner leaves the owner as it was: it must not take the subscription away from it.
            OwnerId = user.IsInRole(Roles.Admin) ? body!.OwnerId ?? existing.OwnerId : existing.OwnerId,
        };
        // Only an existing row is changed: a subscriber deleted meanwhile stays deleted.
        return await store.UpdateAsync(updated) ? TypedResults.Ok(updated) : NotFound(id);
    }

    private static async Task<Results<Ok<Subscriber>, ProblemHttpResult>> SetPaused(string id, bool paused, ClaimsPrincipal user, SubscriberStore store) =>
        await OwnAsync(id, user, store) is not null && await store.SetPausedAsync(id, paused) is { } subscriber ? TypedResults.Ok(subscriber) : NotFound(id);

    /// <summary>A new signing secret, shown in this answer only; the old one stops signing at once.</summary>
    private static async Task<Results<Ok<Subscriber>, ProblemHttpResult>> RotateSecret(string id, ClaimsPrincipal user, SubscriberStore store) =>
        await OwnAsync(id, user, store) is not null && await store.RotateSecretAsync(id) is { } subscriber ? TypedResults.Ok(subscriber) : NotFound(id);

    private static ProblemHttpResult NotFound(string id) =>
        HubProblems.One(StatusCodes.Status404NotFound, "subscriber.not-found", $"購読者 {id} は見つかりません。", $"Subscriber {id} was not found.");

    private static async Task<Results<Created<Subscriber>, ProblemHttpResult>> Create(HttpRequest request, ClaimsPrincipal user, SubscriberStore store, Gazetteer gazetteer)
    {
        var (body, refusal) = await ReadAsync(request, gazetteer, user);
        if (refusal is not null) return refusal;
        var subscriber = await store.AddAsync(body!);
        return TypedResults.Created($"/api/v1/subscribers/{subscriber.Id}", subscriber);
    }

    private static async Task<(SubscriberRequest? Body, ProblemHttpResult? Refusal)> ReadAsync(HttpRequest request, Gazetteer gazetteer, ClaimsPrincipal user)
    {
        var (body, malformed) = await HubProblems.ReadJsonAsync<SubscriberRequest>(request);
        if (malformed is not null) return (null, malformed);
        body ??= new SubscriberRequest(null, null, null, null, null);
        var problems = Validate(body, gazetteer, request.HttpContext.RequestServices.GetRequiredService<WebhookTargets>());
        if (await OwnerProblemAsync(body.OwnerId, "subscriber.owner", user, request.HttpContext.RequestServices.GetRequiredService<SubscriberStore>()) is { } owner)
            problems.Add(owner);
        return problems.Count > 0
            ? (null, HubProblems.Result(StatusCodes.Status422UnprocessableEntity, "subscriber.invalid",
                "購読者の設定に誤りがあります。", "The subscriber is not valid; see each error.", problems))
            : (body, null);
    }

    /// <summary>An owner is set by admins only, and is an identity with the subscriber role (displays follow the same rule).</summary>
    public static async Task<Problem?> OwnerProblemAsync(string? ownerId, string code, ClaimsPrincipal user, SubscriberStore store)
    {
        if (ownerId is null) return null;
        if (!user.IsInRole(Roles.Admin)) return new Problem(code, "$.ownerId", null, null, "ownerId は管理者だけが変更できます。", "Only an admin sets ownerId.");
        return await store.IsSubscriberIdentityAsync(ownerId) ? null
            : new Problem(code, "$.ownerId", null, null, $"「{ownerId}」は subscriber ロールの ID ではありません。", $"'{ownerId}' is not an identity with the subscriber role.");
    }

    private static async Task<Ok<List<Subscriber>>> List(ClaimsPrincipal user, SubscriberStore store) =>
        TypedResults.Ok((await store.ListAsync()).Where(s => user.IsInRole(Roles.Admin) || s.OwnerId == Identity.From(user).Id).ToList());

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, SubscriberStore store) =>
        await store.DeleteAsync(id) ? TypedResults.NoContent() : NotFound(id);

    private static List<Problem> Validate(SubscriberRequest body, Gazetteer gazetteer, WebhookTargets targets)
    {
        var problems = new List<Problem>();
        void Add(string code, string path, string ja, string en) => problems.Add(new Problem(code, path, null, null, ja, en));

        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxName)
            Add("subscriber.name", "$.name", $"名前 (name) を {MaxName} 文字までで入れてください。", $"name is required, up to {MaxName} characters.");
        if (body.Url?.Length > MaxUrl)
            Add("subscriber.url", "$.url", $"url は {MaxUrl} 文字までです。", $"url is up to {MaxUrl} characters.");
        if (body.Polygon?.Length > MaxPolygon)
            Add("geo.polygon.invalid", "$.polygon", $"polygon は {MaxPolygon} 文字までです。", $"polygon is up to {MaxPolygon} characters.");
        if (body.AreaCodes?.Count > MaxAreaCodes)
            Add("subscriber.area-codes", "$.areaCodes", $"areaCodes は {MaxAreaCodes} 件までです（都道府県コードで広く指定できます）。",
                $"areaCodes holds up to {MaxAreaCodes} codes (a prefecture's code covers all of it).");
        if (body.Kind is not null && !Kinds.Contains(body.Kind))
            Add("subscriber.kind", "$.kind", $"kind は {string.Join(", ", Kinds)} のいずれかです。", $"kind is one of {string.Join(", ", Kinds)}.");
        if (!Uri.TryCreate(body.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            Add("subscriber.url", "$.url", "url には http(s) の絶対 URL を入れてください。", "url must be an absolute http(s) URL.");
        else if (targets.Refusal(url) is { } refused)
            Add("subscriber.url.refused", "$.url", $"この宛先には送れません（{refused}）。ハブの内部や私設ネットワークへの送信は設定で許可された場合だけです。",
                $"The hub does not send to this address ({refused}); internal and private networks only when its settings allow them.");
        if (body.AreaCodes is not { Count: > 0 } && body.Polygon is null)
            Add("subscriber.area-codes", "$.areaCodes", "areaCodes に都道府県コード（2桁）または市区町村コードを1つ以上入れるか、polygon で範囲を指定してください。",
                "areaCodes needs at least one prefecture (2 digits) or municipality code, unless a polygon gives the area.");
        if (body.Polygon is not null && body.Polygon.Length <= MaxPolygon && NoticeRules.PolygonProblem(body.Polygon) is { } wrong)
            Add("geo.polygon.invalid", "$.polygon", wrong.Ja, wrong.En);
        for (var i = 0; i < Math.Min(body.AreaCodes?.Count ?? 0, MaxAreaCodes); i++)
        {
            if (!LocalGovernmentCode.TryParse(body.AreaCodes![i], out var code, out var error))
                Add(error.Code, $"$.areaCodes[{i}]", error.Ja, error.En);
            else if (gazetteer.Find(code) is null)
                Add("code.unknown", $"$.areaCodes[{i}]", $"コード「{body.AreaCodes[i]}」に該当する地域がありません。", $"No area has code '{body.AreaCodes[i]}'.");
        }
        for (var i = 0; i < (body.Statuses?.Count ?? 0); i++)
        {
            if (!Statuses.Contains(body.Statuses![i]))
                Add("subscriber.status", $"$.statuses[{i}]", "statuses は Actual, Exercise, Test から選びます。", "statuses are chosen from Actual, Exercise, Test.");
        }
        for (var i = 0; i < (body.Categories?.Count ?? 0); i++)
        {
            if (!NoticeCap.Categories.Contains(body.Categories![i]))
                Add("subscriber.category", $"$.categories[{i}]", $"categories は {string.Join(", ", NoticeCap.Categories)} から選びます。",
                    $"categories are chosen from {string.Join(", ", NoticeCap.Categories)}.");
        }
        if (body.MinLevel is not (null or 3 or 4 or 5))
            Add("subscriber.min-level", "$.minLevel", "minLevel は警戒レベル 3、4、5 のいずれかです。", "minLevel is 警戒レベル 3, 4 or 5.");
        if (body.MinSeverity is not null && !Severities.Contains(body.MinSeverity))
            Add("subscriber.min-severity", "$.minSeverity", $"minSeverity は {string.Join(", ", Severities)} のいずれかです。", $"minSeverity is one of {string.Join(", ", Severities)}.");
        if (body.Format is not null && !Formats.Contains(body.Format))
            Add("subscriber.format", "$.format", $"format は {string.Join(", ", Formats)} のいずれかです。", $"format is one of {string.Join(", ", Formats)}.");
        for (var i = 0; i < (body.Languages?.Count ?? 0); i++)
        {
            if (Alert.Core.Rendering.Languages.Find(body.Languages![i]) is null)
                Add("subscriber.language", $"$.languages[{i}]", $"言語「{body.Languages[i]}」には対応していません（{string.Join(", ", Alert.Core.Rendering.Languages.All.Select(l => l.Tag))}）。",
                    $"Language '{body.Languages[i]}' is not offered ({string.Join(", ", Alert.Core.Rendering.Languages.All.Select(l => l.Tag))}).");
        }
        return problems;
    }
}

public sealed class SubscriberStore(Db db)
{
    public async Task<Subscriber> AddAsync(SubscriberRequest request)
    {
        var subscriber = From(Guid.CreateVersion7().ToString("N"), request, DateTimeOffset.UtcNow) with { Secret = WebhookSignature.NewSecret() };
        await AddAsync(subscriber);
        return subscriber;
    }

    /// <summary>A subscriber as a (checked) request describes it; languages by their canonical tags.</summary>
    internal static Subscriber From(string id, SubscriberRequest request, DateTimeOffset createdAt) =>
        new(id, request.Name!.Trim(), request.Kind ?? "other", request.Url!,
            (request.AreaCodes ?? []).Select(c => LocalGovernmentCode.Parse(c).Value).Distinct().ToList(),
            request.Statuses is { Count: > 0 } s ? s.Distinct().ToList() : ["Actual"], false, createdAt)
        {
            Categories = request.Categories?.Distinct().ToList() ?? [],
            MinLevel = request.MinLevel,
            MinSeverity = request.MinSeverity,
            Format = request.Format ?? "cap",
            Languages = request.Languages?.Select(l => Alert.Core.Rendering.Languages.Find(l)!.Tag).Distinct().ToList() ?? [],
            Polygon = request.Polygon?.Trim(),
            OwnerId = request.OwnerId,
        };

    /// <summary>Adds or replaces a subscriber; a replaced one keeps its secret unless <see cref="Subscriber.Secret"/> is given.</summary>
    public async Task AddAsync(Subscriber subscriber)
    {
        await using var connection = await db.OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO subscribers (id, name, kind, url, area_codes, statuses, categories, min_level, min_severity, format, languages, polygon, secret, created_at, owner_id)
            VALUES (@Id, @Name, @Kind, @Url, @areaCodes, @statuses, @categories, @MinLevel, @MinSeverity, @Format, @languages, @Polygon, COALESCE(@Secret, ''), @CreatedAt, @OwnerId)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, url = excluded.url,
                area_codes = excluded.area_codes, statuses = excluded.statuses, categories = excluded.categories,
                min_level = excluded.min_level, min_severity = excluded.min_severity, format = excluded.format, languages = excluded.languages, polygon = excluded.polygon,
                owner_id = excluded.owner_id,
                secret = CASE WHEN @Secret IS NULL THEN subscribers.secret ELSE excluded.secret END
            """, new
        {
            subscriber.Id, subscriber.Name, subscriber.Kind, subscriber.Url, subscriber.CreatedAt, subscriber.Secret,
            subscriber.MinLevel, subscriber.MinSeverity, subscriber.Format, subscriber.Polygon, subscriber.OwnerId,
            areaCodes = string.Join(' ', subscriber.AreaCodes), statuses = string.Join(' ', subscriber.Statuses),
            categories = string.Join(' ', subscriber.Categories), languages = string.Join(' ', subscriber.Languages),
        });
    }

    // paused is INTEGER in both dialects (SQLite has no boolean); read as BIGINT so both give a long.
    public async Task<bool> UpdateAsync(Subscriber subscriber)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("""
            UPDATE subscribers SET name = @Name, kind = @Kind, url = @Url, area_codes = @areaCodes, statuses = @statuses,
                categories = @categories, min_level = @MinLevel, min_severity = @MinSeverity, format = @Format,
                languages = @languages, polygon = @Polygon, owner_id = @OwnerId
            WHERE id = @Id
            """, new
        {
            subscriber.Id, subscriber.Name, subscriber.Kind, subscriber.Url, subscriber.MinLevel, subscriber.MinSeverity, subscriber.Format,
            subscriber.Polygon, subscriber.OwnerId, areaCodes = string.Join(' ', subscriber.AreaCodes), statuses = string.Join(' ', subscriber.Statuses),
            categories = string.Join(' ', subscriber.Categories), languages = string.Join(' ', subscriber.Languages),
        }) > 0;
    }

    private const string Select = """
        SELECT id, name, kind, url, area_codes AS areacodes, statuses, paused, created_at AS createdat, categories,
               min_level AS minlevel, min_severity AS minseverity, format, languages, polygon, owner_id AS ownerid
        FROM subscribers
        """;

    private sealed record Row
    {
        public required string Id { get; init; }
        public required string Name { get; init; }
        public required string Kind { get; init; }
        public required string Url { get; init; }
        public required string AreaCodes { get; init; }
        public required string Statuses { get; init; }
        public long Paused { get; init; } // INTEGER in both dialects: SQLite has no boolean
        public DateTimeOffset CreatedAt { get; init; }
        public required string Categories { get; init; }
        public int? MinLevel { get; init; }
        public string? MinSeverity { get; init; }
        public required string Format { get; init; }
        public required string Languages { get; init; }
        public string? Polygon { get; init; }
        public string? OwnerId { get; init; }

        public Subscriber ToSubscriber() => new(Id, Name, Kind, Url, Split(AreaCodes), Split(Statuses), Paused != 0, CreatedAt)
        {
            Categories = Split(Categories), MinLevel = MinLevel, MinSeverity = MinSeverity, Format = Format, Languages = Split(Languages), Polygon = Polygon, OwnerId = OwnerId,
        };

        private static string[] Split(string list) => list.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    public async Task<IReadOnlyList<Subscriber>> ListAsync()
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<Row>($"{Select} ORDER BY created_at, id")).Select(r => r.ToSubscriber()).ToList();
    }

    public async Task<Subscriber?> FindAsync(string id)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<Row>($"{Select} WHERE id = @id", new { id })).Select(r => r.ToSubscriber()).FirstOrDefault();
    }

    /// <summary>Pauses or resumes; on resume, the deliveries that waited are due at once.</summary>
    public async Task<Subscriber?> SetPausedAsync(string id, bool paused)
    {
        await using var connection = await db.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        if (await connection.ExecuteAsync("UPDATE subscribers SET paused = @flag WHERE id = @id", new { id, flag = paused ? 1 : 0 }) == 0) return null;
        if (!paused)
            await connection.ExecuteAsync("UPDATE deliveries SET next_attempt_at = @now WHERE subscriber_id = @id AND state = 'retrying'", new { id, now });
        return await FindAsync(id);
    }

    public async Task<Subscriber?> RotateSecretAsync(string id)
    {
        var secret = WebhookSignature.NewSecret();
        await using var connection = await db.OpenAsync();
        if (await connection.ExecuteAsync("UPDATE subscribers SET secret = @secret WHERE id = @id", new { id, secret }) == 0) return null;
        return await FindAsync(id) is { } subscriber ? subscriber with { Secret = secret } : null;
    }

    public async Task<bool> IsSubscriberIdentityAsync(string id)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM identities WHERE id = @id AND role = @role", new { id, role = Roles.Subscriber }) > 0;
    }

    public async Task<bool> DeleteAsync(string id)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("DELETE FROM subscribers WHERE id = @id", new { id }) > 0;
    }
}
