using System.Security.Cryptography;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Rendering;
using Alert.Geo;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Alert.Hub.Alerts;

/// <summary>
/// "What applies here": the notices in force at a point or in an area, most severe first, and the nearest shelters open.
/// Public, like the CAP documents it links: residents, signs and apps ask it without a key.
/// </summary>
public static class AlertsApi
{
    public sealed record AlertsAnswer(AlertArea? Area, string Status, IReadOnlyList<ActiveAlert> Alerts);

    public sealed record SheltersAnswer(string Status, IReadOnlyList<NearbyShelter> Shelters);

    /// <summary>How many shelters one question may ask for: a screen's worth.</summary>
    public const int MaxShelters = 50;

    private static readonly byte[] PhrasesJson = ReadPhrases();
    // Fixed for the life of the process, so a page asks again with If-None-Match and gets 304.
    private static readonly EntityTagHeaderValue PhrasesTag = new($"\"{Convert.ToHexStringLower(SHA256.HashData(PhrasesJson))[..16]}\"");

    private static byte[] ReadPhrases()
    {
        using var stream = Phrases.OpenStandard();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static IEndpointRouteBuilder MapAlerts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/alerts", Get).WithTags("Alerts");
        app.MapGet("/api/v1/shelters", Shelters).WithTags("Alerts");
        // The dictionary the hub renders notices with, for pages and apps that show its standard phrases themselves.
        app.MapGet("/api/v1/phrases", () => TypedResults.Bytes(PhrasesJson, "application/json; charset=utf-8", entityTag: PhrasesTag)).WithTags("Alerts");
        return app;
    }

    /// <summary>
    /// <c>?lat=&amp;lng=</c> or <c>?code=</c>; <c>?status=Exercise</c> (or Test) shows drills instead of actual notices;
    /// <c>?lang=</c> gives event, headline and instruction in that language, from the standard phrases.
    /// </summary>
    private static Results<Ok<AlertsAnswer>, ProblemHttpResult> Get(string? lat, string? lng, string? code, string? status, string? lang,
        ActiveAlerts alerts, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        var mode = QueryChecks.Status(status, problems);
        var language = QueryChecks.Language(lang, problems);
        var byPoint = lat is not null || lng is not null;
        if (byPoint == (code is not null))
            QueryChecks.Wrong(problems, byPoint ? "code" : "lat", "?lat=&lng=（地点）か ?code=（地域コード）のどちらか一方を指定してください。",
                "Give either ?lat=&lng= (a point) or ?code= (an area code), not both and not neither.");
        var point = byPoint ? QueryChecks.Point(lat, lng, problems) : null;
        var area = code is not null && !byPoint ? QueryChecks.Area(code, gazetteer, problems) : null;
        if (problems.Count > 0) return QueryChecks.Invalid(problems);

        var now = DateTimeOffset.UtcNow;
        if (area is not null)
            return TypedResults.Ok(new AlertsAnswer(new AlertArea(LocalGovernmentCode.Parse(area.Code).WithCheckDigit, area.Name), mode!,
                Read(alerts.In(area, mode!, now))));
        var (y, x) = point!.Value;
        return TypedResults.Ok(new AlertsAnswer(AlertArea.At(gazetteer, y, x), mode!, Read(alerts.At(y, x, mode!, now))));

        List<ActiveAlert> Read(List<ActiveAlert> found) => language == Languages.Japanese ? found : found.Select(a => a.In(language!)).ToList();
    }

    /// <summary><c>?lat=&amp;lng=</c>, <c>?limit=</c> (5 by default, at most <see cref="MaxShelters"/>), <c>?status=</c> as for alerts.</summary>
    private static Results<Ok<SheltersAnswer>, ProblemHttpResult> Shelters(string? lat, string? lng, string? limit, string? status, ActiveAlerts alerts)
    {
        var problems = new List<Problem>();
        var mode = QueryChecks.Status(status, problems);
        var point = QueryChecks.Point(lat, lng, problems);
        var count = 5;
        if (limit is not null && !(int.TryParse(limit, out count) && count is >= 1 and <= MaxShelters))
            QueryChecks.Wrong(problems, "limit", $"?limit= は 1〜{MaxShelters} の整数です。", $"?limit= is a whole number from 1 to {MaxShelters}.");
        if (problems.Count > 0) return QueryChecks.Invalid(problems);
        var (y, x) = point!.Value;
        return TypedResults.Ok(new SheltersAnswer(mode!, alerts.SheltersNear(y, x, mode!, DateTimeOffset.UtcNow, count)));
    }
}
