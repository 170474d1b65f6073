using System.Text;

namespace Alert.Hub.Tests.Hostile;

/// <summary>The formats a notice comes in, each with the content type it is normally sent as.</summary>
public enum NoticeFormat { Cap, NoticeXml, NoticeJson, Csv }

/// <summary>
/// One hostile request to <c>POST /api/v1/notices</c>: the body exactly as sent (bytes, so broken encodings stay
/// broken), the Content-Type header as sent (null: none at all) and the query (CSV sheets take their envelope there).
/// <see cref="Expect"/> says what answers are acceptable beyond the rules every case must meet.
/// </summary>
public sealed record HostileCase(string Name, byte[] Body, string? ContentType, string Query = "")
{
    public Expectation Expect { get; init; } = Expectation.RefusedUnlessValid;

    /// <summary>What it was made from (a sample's name for generated cases), to group them.</summary>
    public string Source { get; init; } = "";

    /// <summary>A body sent with no Content-Length (chunked), as a client streaming a file would.</summary>
    public bool Chunked { get; init; }

    /// <summary>A check of its own on the answer (no file contents echoed, no connection made …): null when it holds, else why not.</summary>
    public Func<HostileAnswer, string?>? Check { get; init; }

    public string PathAndQuery(string path) => Query.Length == 0 ? path : $"{path}?{Query}";

    /// <summary>What the input was, short enough for a failure message: size, content type, query and the first bytes.</summary>
    public string Describe()
    {
        var head = Body.Length <= 160 ? Body : Body[..160];
        var text = Encoding.UTF8.GetString(head).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace("\0", "\\0", StringComparison.Ordinal);
        return $"{Name} [{Body.Length:N0} bytes, Content-Type: {ContentType ?? "(none)"}{(Query.Length > 0 ? ", ?" + Query : "")}] {text}{(Body.Length > 160 ? "…" : "")}";
    }
}

/// <summary>
/// What a case may be answered with. Every case: never 5xx, an answer in time, a 4xx is problem+json with a code
/// and stores nothing. <see cref="RefusedUnlessValid"/> also allows 202 when the hub's own dry run calls the body
/// valid (a mutation that happened to leave a valid document); otherwise <see cref="Statuses"/> lists the statuses
/// allowed and <see cref="Codes"/>, when given, the problem codes.
/// </summary>
public sealed record Expectation(int[]? Statuses = null, string[]? Codes = null)
{
    public static readonly Expectation RefusedUnlessValid = new();

    public static Expectation Refused(params string[] codes) => new([400, 413, 415, 422], codes.Length == 0 ? null : codes);

    public static Expectation Status(int status, params string[] codes) => new([status], codes.Length == 0 ? null : codes);

    /// <summary>Refused outright, or accepted only when the dry run calls it valid.</summary>
    public bool AllowsValidAccept => Statuses is null;
}

/// <summary>What the hub answered, buffered: status, media type, body as text, and how long it took (null status: no answer in time).</summary>
public sealed record HostileAnswer(int? Status, string? MediaType, string Body, TimeSpan Took, IReadOnlyList<string> Errors)
{
    public string Excerpt => Body.Length > 600 ? Body[..600] + $"… ({Body.Length:N0} chars)" : Body;
}
