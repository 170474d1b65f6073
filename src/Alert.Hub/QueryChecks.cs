using System.Globalization;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Core.Rendering;
using Alert.Geo;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub;

/// <summary>
/// Query parameters the public endpoints share (the mode, an area code), checked one way everywhere, so a wrong one
/// gets the same code and words from the alerts query and the feeds. Each check adds its problems to the list; the
/// caller answers them all at once with <see cref="Invalid"/>.
/// </summary>
public static class QueryChecks
{
    public static readonly string[] Statuses = ["Actual", "Exercise", "Test"];

    public static void Wrong(List<Problem> problems, string name, string ja, string en) =>
        problems.Add(new Problem($"request.query.{name}", $"?{name}", null, null, ja, en));

    /// <summary>Actual when not given; null when not one of the three modes.</summary>
    public static string? Status(string? status, List<Problem> problems)
    {
        var mode = status is null ? "Actual" : Statuses.FirstOrDefault(s => s.Equals(status, StringComparison.OrdinalIgnoreCase));
        if (mode is null) Wrong(problems, "status", "?status= は Actual、Exercise、Test のいずれかです。", "?status= is Actual, Exercise or Test.");
        return mode;
    }

    /// <summary>A prefecture, designated city, municipality or ward by its code (check digit verified when given).</summary>
    public static Area? Area(string code, Gazetteer gazetteer, List<Problem> problems)
    {
        if (!LocalGovernmentCode.TryParse(code, out var parsed, out var error))
        {
            problems.Add(new Problem(error.Code, "?code", null, null, error.Ja, error.En));
            return null;
        }
        if (gazetteer.Find(parsed) is { } area) return area;
        problems.Add(new Problem("code.unknown", "?code", null, null,
            $"地方公共団体コード「{code}」に該当する地域がありません（境界データは 2021-01-01 時点）。",
            $"No area has local government code '{code}' (boundaries as of 2021-01-01)."));
        return null;
    }

    /// <summary>A point as ?lat=&amp;lng= in degrees (WGS 84 decimal, e.g. 32.79 and 130.74); null when either is wrong.</summary>
    public static (double Lat, double Lng)? Point(string? lat, string? lng, List<Problem> problems)
    {
        var (y, x) = (Degrees(lat, 90), Degrees(lng, 180));
        if (y is null) Wrong(problems, "lat", "?lat= は緯度（-90〜90 の数値、例 32.79）です。", "?lat= is a latitude: a number from -90 to 90 (e.g. 32.79).");
        if (x is null) Wrong(problems, "lng", "?lng= は経度（-180〜180 の数値、例 130.74）です。", "?lng= is a longitude: a number from -180 to 180 (e.g. 130.74).");
        return y is { } a && x is { } b ? (a, b) : null;
    }

    private static double? Degrees(string? text, double limit) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && Math.Abs(value) <= limit ? value : null;

    /// <summary>Japanese when not given; else one the hub renders (ja, ja-x-easy, en, zh-Hans, ko, vi, pt, with or without region).</summary>
    public static Language? Language(string? lang, List<Problem> problems)
    {
        if (lang is null) return Languages.Japanese;
        if (Languages.Find(lang) is { } language) return language;
        var known = string.Join(", ", Languages.All.Select(l => l.Key));
        Wrong(problems, "lang", $"?lang= は次のいずれかです: {known}", $"?lang= is one of {known}.");
        return null;
    }

    public static ProblemHttpResult Invalid(IEnumerable<Problem> problems) =>
        HubProblems.Result(StatusCodes.Status400BadRequest, "request.invalid",
            "問い合わせの指定に誤りがあります。", "The query is not valid; see each error.", problems);
}
