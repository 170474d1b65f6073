using System.Globalization;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Geo;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Alerts;

/// <summary>
/// "What applies here": the notices in force at a point or in an area, most severe first. Public, like the CAP
/// documents it links: residents and apps ask it without a key.
/// </summary>
public static class AlertsApi
{
    public sealed record AlertsAnswer(AlertArea? Area, string Status, IReadOnlyList<ActiveAlert> Alerts);

    public static RouteGroupBuilder MapAlerts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        group.MapGet("/", Get);
        return group;
    }

    /// <summary><c>?lat=&amp;lng=</c> or <c>?code=</c>; <c>?status=Exercise</c> (or Test) shows drills instead of actual notices.</summary>
    private static Results<Ok<AlertsAnswer>, ProblemHttpResult> Get(string? lat, string? lng, string? code, string? status,
        ActiveAlerts alerts, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        void Wrong(string name, string ja, string en) => QueryChecks.Wrong(problems, name, ja, en);

        var mode = QueryChecks.Status(status, problems);
        var byPoint = lat is not null || lng is not null;
        if (byPoint == (code is not null))
            Wrong(byPoint ? "code" : "lat", "?lat=&lng=（地点）か ?code=（地域コード）のどちらか一方を指定してください。",
                "Give either ?lat=&lng= (a point) or ?code= (an area code), not both and not neither.");
        var (y, x) = (Degrees(lat, 90), Degrees(lng, 180));
        if (byPoint && y is null) Wrong("lat", "?lat= は緯度（-90〜90 の数値、例 32.79）です。", "?lat= is a latitude: a number from -90 to 90 (e.g. 32.79).");
        if (byPoint && x is null) Wrong("lng", "?lng= は経度（-180〜180 の数値、例 130.74）です。", "?lng= is a longitude: a number from -180 to 180 (e.g. 130.74).");
        var area = code is not null && !byPoint ? QueryChecks.Area(code, gazetteer, problems) : null;
        if (problems.Count > 0) return QueryChecks.Invalid(problems);

        var now = DateTimeOffset.UtcNow;
        if (area is not null)
            return TypedResults.Ok(new AlertsAnswer(new AlertArea(LocalGovernmentCode.Parse(area.Code).WithCheckDigit, area.Name), mode!, alerts.In(area, mode!, now)));
        var municipality = gazetteer.At(y!.Value, x!.Value);
        return TypedResults.Ok(new AlertsAnswer(
            municipality is null ? null : new AlertArea(LocalGovernmentCode.Parse(municipality.Code).WithCheckDigit, municipality.FullName),
            mode!, alerts.At(y.Value, x.Value, mode!, now)));
    }

    private static double? Degrees(string? text, double limit) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && Math.Abs(value) <= limit ? value : null;
}
