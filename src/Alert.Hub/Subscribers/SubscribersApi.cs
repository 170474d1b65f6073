using System.Text.Json;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Geo;
using Alert.Hub.Auth;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Subscribers;

public sealed record SubscriberRequest(string? Name, string? Kind, string? Url, IReadOnlyList<string>? AreaCodes, IReadOnlyList<string>? Statuses);

public sealed record Subscriber(string Id, string Name, string Kind, string Url, IReadOnlyList<string> AreaCodes, IReadOnlyList<string> Statuses, DateTimeOffset CreatedAt);

/// <summary>The transmitters that receive notices. Admin only; matching reads the table on every fan-out, so changes apply at once.</summary>
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
        group.MapDelete("/{id}", Delete);
        return group;
    }

    private static async Task<Results<Created<Subscriber>, ProblemHttpResult>> Create(HttpRequest request, SubscriberStore store, Gazetteer gazetteer)
    {
        SubscriberRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<SubscriberRequest>(request.Body, Json);
        }
        catch (JsonException ex)
        {
            return HubProblems.Result(StatusCodes.Status400BadRequest, "request.json", "JSON として読めません。", "The body is not valid JSON.",
                [new Problem("request.json", ex.Path, (int?)ex.LineNumber + 1, (int?)ex.BytePositionInLine + 1,
                    $"JSON の形式が正しくありません: {ex.Message}", $"Malformed JSON: {ex.Message}")]);
        }

        var problems = Validate(body ?? new SubscriberRequest(null, null, null, null, null), gazetteer);
        if (problems.Count > 0)
            return HubProblems.Result(StatusCodes.Status422UnprocessableEntity, "subscriber.invalid",
                "購読者の設定に誤りがあります。", "The subscriber is not valid; see each error.", problems);

        var subscriber = await store.AddAsync(body!);
        return TypedResults.Created($"/api/v1/subscribers/{subscriber.Id}", subscriber);
    }

    private static async Task<Ok<IReadOnlyList<Subscriber>>> List(SubscriberStore store) => TypedResults.Ok(await store.ListAsync());

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, SubscriberStore store) =>
        await store.DeleteAsync(id)
            ? TypedResults.NoContent()
            : HubProblems.One(StatusCodes.Status404NotFound, "subscriber.not-found", $"購読者 {id} は見つかりません。", $"Subscriber {id} was not found.");

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
            request.Statuses is { Count: > 0 } s ? s.Distinct().ToList() : ["Actual"], DateTimeOffset.UtcNow);
        await AddAsync(subscriber);
        return subscriber;
    }

    public async Task AddAsync(Subscriber subscriber)
    {
        await using var connection = await db.OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO subscribers (id, name, kind, url, area_codes, statuses, created_at)
            VALUES (@Id, @Name, @Kind, @Url, @areaCodes, @statuses, @CreatedAt)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, url = excluded.url,
                area_codes = excluded.area_codes, statuses = excluded.statuses
            """, new
        {
            subscriber.Id, subscriber.Name, subscriber.Kind, subscriber.Url, subscriber.CreatedAt,
            areaCodes = string.Join(' ', subscriber.AreaCodes), statuses = string.Join(' ', subscriber.Statuses),
        });
    }

    public async Task<IReadOnlyList<Subscriber>> ListAsync()
    {
        await using var connection = await db.OpenAsync();
        var rows = await connection.QueryAsync<(string Id, string Name, string Kind, string Url, string AreaCodes, string Statuses, DateTimeOffset CreatedAt)>(
            "SELECT id, name, kind, url, area_codes, statuses, created_at FROM subscribers ORDER BY created_at, id");
        return rows.Select(r => new Subscriber(r.Id, r.Name, r.Kind, r.Url, r.AreaCodes.Split(' '), r.Statuses.Split(' '), r.CreatedAt)).ToList();
    }

    public async Task<bool> DeleteAsync(string id)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("DELETE FROM subscribers WHERE id = @id", new { id }) > 0;
    }
}
