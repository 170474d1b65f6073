using System.Text;
using System.Text.Json;
using Alert.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Alert.Hub;

/// <summary>
/// Every error the hub answers is application/problem+json: a stable code, a title in Japanese and English, and
/// every problem found (code, path, line, ja, en), so a desk can fix them all in one go.
/// </summary>
public static partial class HubProblems
{
    public static ProblemHttpResult Result(int status, string code, string titleJa, string titleEn, IEnumerable<Problem> problems) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Type = "urn:alert-hub:problem:" + code,
            Title = Bounded(titleEn),
            Extensions =
            {
                ["code"] = code,
                ["titleJa"] = Bounded(titleJa),
                ["errors"] = problems.Select(Describe).ToList(),
            },
        });

    /// <summary>One problem as answered, with its kind: "schema" (the document's form: XML, XSD, JSON shape) or "profile" (the hub's rules).</summary>
    public sealed record ProblemEntry(string Code, string Kind, string? Path, int? Line, int? Column, string Ja, string En);

    public static ProblemEntry Describe(Problem p) =>
        new(p.Code, IsSchema(p.Code) ? "schema" : "profile", Bounded(p.Path), p.Line, p.Column, Bounded(p.Ja)!, Bounded(p.En)!);

    /// <summary>How much of a value from the request a problem repeats: enough to recognise it, never the 900 KB sent.</summary>
    public const int MaxEcho = 100;

    /// <summary>
    /// Texts quote what was sent (「…」 in Japanese, '…' or "…" in English, and .NET's own messages do the same): each
    /// quoted value is cut to <see cref="MaxEcho"/> characters. A value whose quotes never close, or a path naming a huge
    /// element, is bounded by cutting the whole text at ten times that. One pass, whatever the text holds.
    /// </summary>
    public static string? Bounded(string? text)
    {
        if (text is null || text.Length <= MaxEcho) return text;
        var bounded = new StringBuilder();
        var unclosed = new HashSet<char>(); // a closing quote not found after one place is not found after a later one
        for (var i = 0; i < text.Length && bounded.Length <= 10 * MaxEcho; i++)
        {
            var c = text[i];
            // An apostrophe after a letter is English (the notice's), not a quote.
            var close = c == '「' ? '」' : (c is '\'' or '"') && (i == 0 || !char.IsLetterOrDigit(text[i - 1])) ? c : '\0';
            var end = close == '\0' || unclosed.Contains(close) ? -1 : text.IndexOf(close, i + 1);
            if (close != '\0' && end < 0) unclosed.Add(close);
            if (end - i - 1 <= MaxEcho)
            {
                bounded.Append(c);
                continue;
            }
            bounded.Append(c).Append(text, i + 1, MaxEcho).Append('…').Append(close);
            i = end;
        }
        return bounded.Length > 10 * MaxEcho ? bounded.ToString(0, 10 * MaxEcho) + "…" : bounded.ToString();
    }

    private static bool IsSchema(string code) =>
        code.StartsWith("xml.", StringComparison.Ordinal) || code.Contains(".schema", StringComparison.Ordinal)
        || code is "cap.root" or "notice.root" or "notice.json";

    /// <summary>
    /// The last of the exception handlers: whatever no other handler answered is a 500 with a code and the trace id, never
    /// the exception's type, message or stack (they are in the log, under that trace id), in Development as in
    /// Production, whatever the client accepts: the developer exception page is never reached.
    /// </summary>
    public sealed partial class Unexpected(ILogger<Unexpected> logger) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            // Logged here: since .NET 10 the exception handler middleware stays silent about what a handler answered.
            var traceId = System.Diagnostics.Activity.Current?.Id ?? httpContext.TraceIdentifier;
            LogUnexpected(logger, exception, httpContext.Request.Method, httpContext.Request.Path, traceId);
            var answer = One(StatusCodes.Status500InternalServerError, "server.error",
                "ハブの内部で予期しない誤りが起き、要求を処理できませんでした。情報の状態を確かめてから送り直してください。続く場合は traceId を添えて運用担当に連絡してください。",
                "The hub failed unexpectedly and could not complete the request; check the notice's state before sending again. If it persists, tell the operators the traceId.");
            // Set here as well: a client that accepts no JSON gets the problem written directly, without the defaults.
            answer.ProblemDetails.Extensions["traceId"] = traceId;
            await answer.ExecuteAsync(httpContext);
            return true;
        }

        [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed unexpectedly (traceId {TraceId})")]
        private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path, string traceId);
    }

    /// <summary>A JSON body as <typeparamref name="T"/> (web defaults), or a 400 <c>request.json</c> saying where it stops being JSON.</summary>
    public static async Task<(T? Body, ProblemHttpResult? Refusal)> ReadJsonAsync<T>(HttpRequest request) where T : class
    {
        try
        {
            return (await JsonSerializer.DeserializeAsync<T>(request.Body, JsonSerializerOptions.Web), null);
        }
        catch (JsonException ex)
        {
            return (null, Malformed(ex));
        }
    }

    /// <summary>A 400 <c>request.json</c> saying where the body stops being JSON (or stops fitting what was asked).</summary>
    public static ProblemHttpResult Malformed(JsonException ex) =>
        Result(StatusCodes.Status400BadRequest, "request.json", "JSON として読めません。", "The body is not valid JSON.",
            [new Problem("request.json", ex.Path, (int?)ex.LineNumber + 1, (int?)ex.BytePositionInLine + 1,
                $"JSON の形式が正しくありません: {ex.Message}", $"Malformed JSON: {ex.Message}")]);

    public static ProblemHttpResult One(int status, string code, string ja, string en, string? path = null) =>
        Result(status, code, ja, en, [new Problem(code, path, null, null, ja, en)]);
}
