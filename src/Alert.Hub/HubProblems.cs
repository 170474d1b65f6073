using Alert.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Alert.Hub;

/// <summary>
/// Every error the hub answers is application/problem+json: a stable code, a title in Japanese and English, and
/// every problem found (code, path, line, ja, en), so a desk can fix them all in one go.
/// </summary>
public static class HubProblems
{
    public static ProblemHttpResult Result(int status, string code, string titleJa, string titleEn, IEnumerable<Problem> problems) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Type = "urn:alert-hub:problem:" + code,
            Title = titleEn,
            Extensions =
            {
                ["code"] = code,
                ["titleJa"] = titleJa,
                ["errors"] = problems.Select(Describe).ToList(),
            },
        });

    /// <summary>One problem as answered, with its kind: "schema" (the document's form: XML, XSD, JSON shape) or "profile" (the hub's rules).</summary>
    public sealed record ProblemEntry(string Code, string Kind, string? Path, int? Line, int? Column, string Ja, string En);

    public static ProblemEntry Describe(Problem p) => new(p.Code, IsSchema(p.Code) ? "schema" : "profile", p.Path, p.Line, p.Column, p.Ja, p.En);

    private static bool IsSchema(string code) =>
        code.StartsWith("xml.", StringComparison.Ordinal) || code.Contains(".schema", StringComparison.Ordinal)
        || code is "cap.root" or "notice.root" or "notice.json";

    public static ProblemHttpResult One(int status, string code, string ja, string en, string? path = null) =>
        Result(status, code, ja, en, [new Problem(code, path, null, null, ja, en)]);
}
