using System.Text.Json;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Webhooks;
using Alert.Geo;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Subscribers;

public sealed record SubscriberRequest(string? Name, string? Kind, string? Url, IReadOnlyList<string>? AreaCodes, IReadOnlyList<string>? Statuses);

public sealed record Subscriber(string Id, string Name, string Kind, string Url, IReadOnlyList<string> AreaCodes, IReadOnlyList<string> Statuses,
    bool Paused, DateTimeOffset CreatedAt)
{
    /// <summary>The signing secret, in the answer that creates or replaces it and nowhere else: it is shown once.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }
}

/// <summary>
/// The transmitters that receive notices. Admin only; matching reads the table on every fan-out, so changes apply at
/// once. A paused subscriber's deliveries wait (they are not dropped) and go out when it is resumed.
/// </summary>
public static class SubscribersApi
{
    private static readonly string[] Kinds = ["broadcaster", "app", "signage", "other"];
    private static readonly string[] Statuses = ["Actual", "Exercise", "Test"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RouteGroupBuilder MapSubscribers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/subscribers").WithTags("Subscribers").RequireAuthorization(Roles.Admin);
        group.MapPost("/", Create);
        group.MapGet("/", List);
        group.MapGet("/{id}", Get);
        group.MapPut("/{id}", Update);
        group.MapPost("/{id}/pause", (string id, SubscriberStore store) => SetPaused(id, true, store));
        group.MapPost("/{id}/resume", (string id, SubscriberStore store) => SetPaused(id, false, store));
        group.MapPost("/{id}/secret", RotateSecret);
        group.MapDelete("/{id}", Delete);
        return group;
    }

    private static async Task<Results<Ok<Subscriber>, ProblemHttpResult>> Get(string id, SubscriberStore store) =>
        await store.FindAsync(id) is { } subscriber ? TypedResults.Ok(subscriber) : NotFound(id);

    /// <summary>Replaces name, kind, url and filters; the secret and the paused state stay as they are.</summary>
    private static async Task<Results<Ok<Subscriber>, ProblemHttpResult>> Update(string id, HttpRequest request, SubscriberStore store, Gazetteer gazetteer)
    {
        if (await store.FindAsync(id) is not { } existing) return NotFound(id);
        var (body, refusal) = await ReadAsync(request, gazetteer);
        if (refusal is not null) return refusal;
        var updated = existing with
        {
            Name = body!.Name!.Trim(), Kind = body.Kind ?? existing.Kind, Url = body.Url!,
            AreaCodes = body.AreaCodes!.Select(c => LocalGovernmentCode.Parse(c).Value).Distinct().ToList(),
            Statuses = body.Statuses is { Count: > 0 } s ? s.Distinct().ToList() : existing.Statuses,
        };
        await store.AddAsync(updated);
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<Ok<Subscriber>, ProblemHttpResult>> SetPaused(string id, bool paused, SubscriberStore store) =>
        await store.SetPausedAsync(id, paused) is { } subscriber ? TypedResults.Ok(subscriber) : NotFound(id);

    /// <summary>A new signing secret, shown in this answer only; the old one stops signing at once.</summary>
    private static async Task<Results<Ok<Subscriber>, ProblemHttpResult>> RotateSecret(string id, SubscriberStore store) =>
        await store.RotateSecretAsync(id) is { } subscriber ? TypedResults.Ok(subscriber) : NotFound(id);

    private static ProblemHttpResult NotFound(string id) =>
        HubProblems.One(StatusCodes.Status404NotFound, "subscriber.not-found", $"購読者 {id} は見つかりません。", $"Subscriber {id} was not found.");

    private static async Task<Results<Created<Subscriber>, ProblemHttpResult>> Create(HttpRequest request, SubscriberStore store, Gazetteer gazetteer)
    {
        var (body, refusal) = await ReadAsync(request, gazetteer);
        if (refusal is not null) return refusal;
        var subscriber = await store.AddAsync(body!);
        return TypedResults.Created($"/api/v1/subscribers/{subscriber.Id}", subscriber);
    }

    private static async Task<(SubscriberRequest? Body, ProblemHttpResult? Refusal)> ReadAsync(HttpRequest request, Gazetteer gazetteer)
    {
        SubscriberRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<SubscriberRequest>(request.Body, Json);
        }
        catch (JsonException ex)
        {
            return (null, HubProblems.Result(StatusCodes.Status400BadRequest, "request.json", "JSON として読めません。", "The body is not valid JSON.",
                [new Problem("request.json", ex.Path, (int?)ex.LineNumber + 1, (int?)ex.BytePositionInLine + 1,
                    $"JSON の形式が正しくありません: {ex.Message}", $"Malformed JSON: {ex.Message}")]));
        }

        var problems = Validate(body ?? new SubscriberRequest(null, null, null, null, null), gazetteer);
        return problems.Count > 0
            ? (null, HubProblems.Result(StatusCodes.Status422UnprocessableEntity, "subscriber.invalid",
                "購読者の設定に誤りがあります。", "The subscriber is not valid; see each error.", problems))
            : (body, null);
    }

    private static async Task<Ok<IReadOnlyList<Subscriber>>> List(SubscriberStore store) => TypedResults.Ok(await store.ListAsync());

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, SubscriberStore store) =>
        await store.DeleteAsync(id) ? TypedResults.NoContent() : NotFound(id);

    private static List<Problem> Validate(SubscriberRequest body, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        void Add(string code, string path, string ja, string en) => problems.Add(new Problem(code, path, null, null, ja, en));

        if (string.IsNullOrWhiteSpace(body.Name))
            Add("subscriber.name", "$.name", "名前 (name) を入れてください。", "name is required.");
        if (body.Kind is not null && !Kinds.Contains(body.Kind))
            Add("subscriber.kind", "$.kind", $"kind は {string.Join(", ", Kinds)} のいずれかです。", $"kind is one of {string.Join(", ", Kinds)}.");
        if (!Uri.TryCreate(body.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            Add("subscriber.url", "$.url", "url には http(s) の絶対 URL を入れてください。", "url must be an absolute http(s) URL.");
        if (body.AreaCodes is not { Count: > 0 })
            Add("subscriber.area-codes", "$.areaCodes", "areaCodes に都道府県コード（2桁）または市区町村コードを1つ以上入れてください。",
                "areaCodes needs at least one prefecture (2 digits) or municipality code.");
        for (var i = 0; i < (body.AreaCodes?.Count ?? 0); i++)
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
        return problems;
    }
}

public sealed class SubscriberStore(Db db)
{
    public async Task<Subscriber> AddAsync(SubscriberRequest request)
    {
        var subscriber = new Subscriber(Guid.CreateVersion7().ToString("N"), request.Name!.Trim(), request.Kind ?? "other", request.Url!,
            request.AreaCodes!.Select(c => LocalGovernmentCode.Parse(c).Value).Distinct().ToList(),
            request.Statuses is { Count: > 0 } s ? s.Distinct().ToList() : ["Actual"], false, DateTimeOffset.UtcNow) { Secret = WebhookSignature.NewSecret() };
        await AddAsync(subscriber);
        return subscriber;
    }

    /// <summary>Adds or replaces a subscriber; a replaced one keeps its secret unless <see cref="Subscriber.Secret"/> is given.</summary>
    public async Task AddAsync(Subscriber subscriber)
    {
        await using var connection = await db.OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO subscribers (id, name, kind, url, area_codes, statuses, secret, created_at)
            VALUES (@Id, @Name, @Kind, @Url, @areaCodes, @statuses, COALESCE(@Secret, ''), @CreatedAt)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, url = excluded.url,
                area_codes = excluded.area_codes, statuses = excluded.statuses,
                secret = CASE WHEN @Secret IS NULL THEN subscribers.secret ELSE excluded.secret END
            """, new
        {
            subscriber.Id, subscriber.Name, subscriber.Kind, subscriber.Url, subscriber.CreatedAt, subscriber.Secret,
            areaCodes = string.Join(' ', subscriber.AreaCodes), statuses = string.Join(' ', subscriber.Statuses),
        });
    }

    // paused is INTEGER in both dialects (SQLite has no boolean); read as BIGINT so both give a long.
    private const string Select = "SELECT id, name, kind, url, area_codes, statuses, CAST(paused AS BIGINT), created_at FROM subscribers";

    private static Subscriber Read((string Id, string Name, string Kind, string Url, string AreaCodes, string Statuses, long Paused, DateTimeOffset CreatedAt) r) =>
        new(r.Id, r.Name, r.Kind, r.Url, r.AreaCodes.Split(' '), r.Statuses.Split(' '), r.Paused != 0, r.CreatedAt);

    public async Task<IReadOnlyList<Subscriber>> ListAsync()
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<(string, string, string, string, string, string, long, DateTimeOffset)>($"{Select} ORDER BY created_at, id"))
            .Select(Read).ToList();
    }

    public async Task<Subscriber?> FindAsync(string id)
    {
        await using var connection = await db.OpenAsync();
        var rows = await connection.QueryAsync<(string, string, string, string, string, string, long, DateTimeOffset)>($"{Select} WHERE id = @id", new { id });
        return rows.Select(Read).FirstOrDefault();
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

    public async Task<bool> DeleteAsync(string id)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("DELETE FROM subscribers WHERE id = @id", new { id }) > 0;
    }
}
