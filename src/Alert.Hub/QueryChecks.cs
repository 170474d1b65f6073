using Alert.Core;
using Alert.Core.Codes;
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

    public static ProblemHttpResult Invalid(IEnumerable<Problem> problems) =>
        HubProblems.Result(StatusCodes.Status400BadRequest, "request.invalid",
            "問い合わせの指定に誤りがあります。", "The query is not valid; see each error.", problems);
}
