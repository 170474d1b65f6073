using System.Security.Claims;
using Alert.Core;
using Alert.Geo;
using Alert.Hub.Audit;
using Alert.Hub.Auth;
using Alert.Hub.Subscribers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Signage;

public sealed record PointRequest(double? Lat, double? Lng);

public sealed record DisplayRequest(string? Id, string? Name, PointRequest? Location)
{
    public int? MinLevel { get; init; }
    public Peacetime? Peacetime { get; init; }
    public IReadOnlyList<string>? Languages { get; init; }
    public string? Status { get; init; }

    /// <summary>The subscriber identity that looks after it (admins only set this).</summary>
    public string? OwnerId { get; init; }
}

/// <summary>
/// The register of signage displays. As with subscribers, admins create and delete them; a subscriber identity lists,
/// reads and changes the ones it owns and sees no others (someone else's answers 404, as if it did not exist).
/// The page itself reads a display through <see cref="SignageApi"/>, without a key.
/// </summary>
public static class DisplaysApi
{
    /// <summary>A device id is a path segment of /signage/{id}: no dots, so the page's own files never pass for one.</summary>
    public const string IdPattern = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";

    public static readonly IReadOnlyList<string> AllLanguages = Core.Rendering.Languages.All.Select(l => l.Key).ToList();
    private const int MaxName = 200, MaxUrl = 2048, MaxMessage = 1000;

    public static RouteGroupBuilder MapDisplays(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/displays").WithTags("Signage")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Subscriber)).AuditChanges();
        group.MapPost("/", Create).RequireAuthorization(Roles.Admin);
        group.MapGet("/", List);
        group.MapGet("/{id}", Get);
        group.MapPut("/{id}", Update);
        group.MapDelete("/{id}", Delete).RequireAuthorization(Roles.Admin);
        return group;
    }

    private static async Task<Results<Created<Display>, ProblemHttpResult>> Create(HttpRequest request, ClaimsPrincipal user, DisplayStore store, Gazetteer gazetteer)
    {
        var (body, refusal) = await ReadAsync(request, user, gazetteer, id: null);
        if (refusal is not null) return refusal;
        var now = DateTimeOffset.UtcNow;
        var display = From(body!.Id!, body, now) with { OwnerId = body.OwnerId, CreatedAt = now };
        return await store.AddAsync(display)
            ? TypedResults.Created($"/api/v1/displays/{display.Id}", display)
            : HubProblems.One(StatusCodes.Status409Conflict, "display.id.taken", $"表示機 {display.Id} はすでに登録されています。",
                $"A display {display.Id} is already registered.", "$.id");
    }

    private static async Task<Ok<List<Display>>> List(ClaimsPrincipal user, DisplayStore store) =>
        TypedResults.Ok((await store.ListAsync()).Where(d => MayUse(d, user)).ToList());

    private static async Task<Results<Ok<Display>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, DisplayStore store) =>
        await OwnAsync(id, user, store) is { } display ? TypedResults.Ok(display) : NotFound(id);

    /// <summary>Replaces everything but the id and the creation time; the owner stays unless an admin names another.</summary>
    private static async Task<Results<Ok<Display>, ProblemHttpResult>> Update(string id, HttpRequest request, ClaimsPrincipal user, DisplayStore store, Gazetteer gazetteer)
    {
        if (await OwnAsync(id, user, store) is not { } existing) return NotFound(id);
        var (body, refusal) = await ReadAsync(request, user, gazetteer, id);
        if (refusal is not null) return refusal;
        var updated = From(id, body!, DateTimeOffset.UtcNow) with
        {
            CreatedAt = existing.CreatedAt,
            OwnerId = user.IsInRole(Roles.Admin) ? body!.OwnerId ?? existing.OwnerId : existing.OwnerId,
        };
        return await store.UpdateAsync(updated) ? TypedResults.Ok(updated) : NotFound(id);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, DisplayStore store) =>
        await store.DeleteAsync(id) ? TypedResults.NoContent() : NotFound(id);

    private static bool MayUse(Display display, ClaimsPrincipal user) => user.IsInRole(Roles.Admin) || display.OwnerId == Identity.From(user).Id;

    private static async Task<Display?> OwnAsync(string id, ClaimsPrincipal user, DisplayStore store) =>
        await store.FindAsync(id) is { } display && MayUse(display, user) ? display : null;

    public static ProblemHttpResult NotFound(string id) =>
        HubProblems.One(StatusCodes.Status404NotFound, "display.not-found", $"表示機 {id} は見つかりません。", $"Display {id} was not found.");

    /// <summary>A display as a (checked) request describes it: languages by their keys in the phrase dictionary, all seven when none are given.</summary>
    private static Display From(string id, DisplayRequest body, DateTimeOffset now) =>
        new(id, body.Name!.Trim(), new Point(body.Location!.Lat!.Value, body.Location.Lng!.Value), body.MinLevel ?? 4,
            new Peacetime(Blank(body.Peacetime?.Url), Blank(body.Peacetime?.Message)),
            body.Languages is { Count: > 0 } languages ? languages.Select(l => Core.Rendering.Languages.Find(l)!.Key).Distinct().ToList() : AllLanguages,
            QueryChecks.Statuses.First(s => s.Equals(body.Status ?? "Actual", StringComparison.OrdinalIgnoreCase)))
        {
            UpdatedAt = now,
        };

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <param name="id">The display's id from the path when changing one; null when creating (the body names it).</param>
    private static async Task<(DisplayRequest? Body, ProblemHttpResult? Refusal)> ReadAsync(HttpRequest request, ClaimsPrincipal user, Gazetteer gazetteer, string? id)
    {
        var (body, malformed) = await HubProblems.ReadJsonAsync<DisplayRequest>(request);
        if (malformed is not null) return (null, malformed);
        body ??= new DisplayRequest(null, null, null);
        var problems = Validate(body, gazetteer, id);
        if (await SubscribersApi.OwnerProblemAsync(body.OwnerId, "display.owner.invalid", user, request.HttpContext.RequestServices.GetRequiredService<SubscriberStore>()) is { } owner)
            problems.Add(owner);
        return problems.Count > 0
            ? (null, HubProblems.Result(StatusCodes.Status422UnprocessableEntity, "display.invalid",
                "表示機の設定に誤りがあります。", "The display is not valid; see each error.", problems))
            : (body, null);
    }

    private static List<Problem> Validate(DisplayRequest body, Gazetteer gazetteer, string? id)
    {
        var problems = new List<Problem>();
        void Add(string code, string path, string ja, string en) => problems.Add(new Problem(code, path, null, null, ja, en));

        if (id is null && (body.Id is null || !System.Text.RegularExpressions.Regex.IsMatch(body.Id, IdPattern)))
            Add("display.id.invalid", "$.id", "id は英数字で始まる 64 文字までの英数字・「-」「_」です（/signage/{id} の id になります）。",
                "id is up to 64 letters, digits, '-' or '_', starting with a letter or digit (it is the {id} of /signage/{id}).");
        else if (id is not null && body.Id is not null && body.Id != id)
            Add("display.id.invalid", "$.id", "id は変更できません。", "A display's id cannot change.");
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxName)
            Add("display.name.invalid", "$.name", $"名前 (name) を {MaxName} 文字までで入れてください。", $"name is required, up to {MaxName} characters.");

        if (body.Location is not { Lat: { } lat, Lng: { } lng })
            Add("display.location.invalid", "$.location", "location に設置場所の緯度・経度 {\"lat\": 32.80, \"lng\": 130.71} を入れてください。",
                "location is where the display stands: {\"lat\": 32.80, \"lng\": 130.71}.");
        else if (Math.Abs(lat) > 90 || Math.Abs(lng) > 180 || gazetteer.At(lat, lng) is null)
            Add("display.location.invalid", "$.location", $"({lat}, {lng}) は日本の市区町村の中にありません（海上または国外）。",
                $"({lat}, {lng}) is not inside a municipality of Japan (at sea or abroad).");

        if (body.MinLevel is not (null or 3 or 4 or 5))
            Add("display.min-level.invalid", "$.minLevel", "minLevel は警戒レベル 3、4、5 のいずれかです。", "minLevel is 警戒レベル 3, 4 or 5.");
        if (body.Peacetime?.Url is { Length: > 0 } url
            && (url.Length > MaxUrl || !Uri.TryCreate(url, UriKind.Absolute, out var absolute) || absolute.Scheme is not ("http" or "https")))
            Add("display.peacetime.url.invalid", "$.peacetime.url", $"peacetime.url は {MaxUrl} 文字までの http(s) の絶対 URL です。",
                $"peacetime.url is an absolute http(s) URL of up to {MaxUrl} characters.");
        if (body.Peacetime?.Message?.Length > MaxMessage)
            Add("display.peacetime.message.invalid", "$.peacetime.message", $"peacetime.message は {MaxMessage} 文字までです。", $"peacetime.message is up to {MaxMessage} characters.");
        for (var i = 0; i < (body.Languages?.Count ?? 0); i++)
        {
            if (Core.Rendering.Languages.Find(body.Languages![i]) is null)
                Add("display.language.invalid", $"$.languages[{i}]", $"言語「{body.Languages[i]}」には対応していません（{string.Join(", ", AllLanguages)}）。",
                    $"Language '{body.Languages[i]}' is not offered ({string.Join(", ", AllLanguages)}).");
        }
        if (body.Status is not null && !QueryChecks.Statuses.Contains(body.Status, StringComparer.OrdinalIgnoreCase))
            Add("display.status.invalid", "$.status", "status は Actual、Exercise、Test のいずれかです（訓練用の表示機は Exercise）。",
                "status is Actual, Exercise or Test (a drill display shows Exercise).");
        return problems;
    }
}
