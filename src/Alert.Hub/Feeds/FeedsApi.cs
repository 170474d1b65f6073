using Alert.Core.Notices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using System.Xml.Linq;
using Alert.Core;
using Alert.Core.Cap;
using Alert.Geo;
using Alert.Hub.Alerts;
using Microsoft.Net.Http.Headers;

namespace Alert.Hub.Feeds;

/// <summary>
/// The pull feeds broadcasters poll, in the manner of JMA's: Atom and JSON Feed 1.1 over the same entries (see
/// <see cref="NoticeFeed"/>), selected by area, category and mode, each entry linking its CAP document and native forms.
/// Public, like the CAP documents they link. Validators (ETag, Last-Modified) make an unchanged poll a bodiless 304.
/// </summary>
public static class FeedsApi
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Hub = "urn:alert-hub:feed:1";

    // Ten seconds lets a shared cache in front of the hub absorb thousands of pollers at the worst moment, at the cost
    // of at most ten seconds more delay, small beside poll intervals of tens of seconds; webhooks serve those who
    // need seconds. Every answer carries validators, so a poll after that costs a 304.
    internal const string CacheControl = "public, max-age=10";

    /// <summary>
    /// Documents are stamped by the hub that writes them before its transaction commits, so a change can become
    /// visible stamped up to this much in the past.
    /// </summary>
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddFeeds(this IServiceCollection services)
    {
        services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.Section)
            .Validate(o => o.RecentWindow >= TimeSpan.FromMinutes(10), "Alert:Feeds:RecentWindow must be at least 10 minutes").ValidateOnStart();
        return services.AddSingleton<NoticeFeed>();
    }

    public static RouteGroupBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/feeds").WithTags("Feeds");
        group.MapGet("/notices.atom", (HttpContext context, NoticeFeed feed, Gazetteer gazetteer, CancellationToken ct) =>
            Serve(context, feed, gazetteer, AtomFeed, "application/atom+xml; charset=utf-8", ct));
        group.MapGet("/notices.json", (HttpContext context, NoticeFeed feed, Gazetteer gazetteer, CancellationToken ct) =>
            Serve(context, feed, gazetteer, JsonFeed, "application/feed+json; charset=utf-8", ct));
        return group;
    }

    private static async Task<IResult> Serve(HttpContext context, NoticeFeed feed, Gazetteer gazetteer, Func<Feed, Uri, string> render,
        string contentType, CancellationToken ct)
    {
        var request = context.Request;
        var (selection, problems) = Select(request.Query, gazetteer);
        if (problems.Count > 0) return QueryChecks.Invalid(problems);

        var content = await feed.ReadAsync(selection, ct);
        var body = Encoding.UTF8.GetBytes(render(content, new Uri($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}")));
        var etag = StrongTag(body);
        var headers = context.Response.GetTypedHeaders();
        headers.ETag = etag;
        context.Response.Headers.CacheControl = CacheControl;
        // Last-Modified has whole seconds, and a change can become visible stamped a little in the past (see
        // Overlap): it is sent as the first whole second after the last change, and only once that lies
        // beyond the overlap, so no change seen later can date before it. Until then pollers have the ETag.
        var lastModified = new DateTimeOffset(content.LastChange.UtcTicks - content.LastChange.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1);
        if (lastModified <= DateTimeOffset.UtcNow - Overlap) headers.LastModified = lastModified;

        // If-None-Match decides when sent (RFC 9110 13.2.2); If-Modified-Since only without it.
        var asked = request.GetTypedHeaders();
        var unchanged = asked.IfNoneMatch.Count > 0 ? Matches(request, etag) : asked.IfModifiedSince is { } since && content.LastChange < since;
        return unchanged ? Results.StatusCode(StatusCodes.Status304NotModified) : Results.Bytes(body, contentType);
    }

    /// <summary>Strong: the hash of the very bytes sent, so equal tags mean equal bodies.</summary>
    internal static EntityTagHeaderValue StrongTag(byte[] body) => new($"\"{Base64Url(SHA256.HashData(body)[..16])}\"");

    /// <summary>The request's If-None-Match names <paramref name="etag"/> (or *): the copy it has is current.</summary>
    internal static bool Matches(HttpRequest request, EntityTagHeaderValue etag) =>
        request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false));

    /// <summary>?code= (repeatable: any of them), ?category= (repeatable), ?status=; every wrong value is reported.</summary>
    private static (FeedSelection Selection, List<Problem> Problems) Select(IQueryCollection query, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        var status = QueryChecks.Status(query.TryGetValue("status", out var s) ? s.ToString() : null, problems);
        HashSet<string>? parts = null;
        if (query.TryGetValue("code", out var codes))
            parts = codes.Select(code => QueryChecks.Area(code ?? "", gazetteer, problems)).OfType<Area>().SelectMany(a => a.PartCodes).ToHashSet();
        HashSet<string>? categories = null;
        if (query.TryGetValue("category", out var asked))
        {
            categories = asked.Select(c => c ?? "").ToHashSet();
            foreach (var unknown in categories.Where(c => !NoticeCap.Categories.Contains(c)))
                QueryChecks.Wrong(problems, "category", $"?category=「{unknown}」は分類にありません。{string.Join("、", NoticeCap.Categories)} のいずれかです。",
                    $"?category='{unknown}' is not a category: use {string.Join(", ", NoticeCap.Categories)}.");
        }
        return (new FeedSelection(status ?? "Actual", parts, categories), problems);
    }

    private static string Time(DateTimeOffset time) => CapWriter.Time(JapanTime.Of(time));

    /// <summary>The CAP document first (what every receiver reads), then the native forms when the hub wrote the CAP from one.</summary>
    private static IEnumerable<(string Type, string Href)> Links(FeedEntry e, Uri self)
    {
        var revision = new Uri(self, $"/api/v1/notices/{e.Id}/revisions/{e.Revision}/").ToString();
        yield return ("application/cap+xml", revision + "cap");
        if (!e.HasNative) yield break;
        yield return ("application/vnd.alert-hub.notice+xml", revision + "notice.xml");
        yield return ("application/vnd.alert-hub.notice+json", revision + "notice.json");
    }

    private static string Summary(FeedEntry e) => e.Cancelled
        ? "この情報は取り消されました。表示を取りやめてください。 / This notice was cancelled: take it down."
        : $"{e.MsgType} 第{e.Revision}版 / revision {e.Revision}: {string.Join("、", e.Areas.Select(a => a.Name.Length > 0 ? a.Name : a.Code))}";

    private static string AtomFeed(Feed content, Uri self)
    {
        var feed = new XElement(Atom + "feed", new XAttribute(XNamespace.Xmlns + "hub", Hub),
            new XElement(Atom + "title", "Alert hub 災害情報 / disaster notices"),
            new XElement(Atom + "id", self.ToString()),
            new XElement(Atom + "updated", Time(content.LastChange)),
            new XElement(Atom + "link", new XAttribute("rel", "self"), new XAttribute("href", self.ToString())),
            new XElement(Atom + "author", new XElement(Atom + "name", "Alert hub")),
            content.Entries.Select(e => new XElement(Atom + "entry",
                new XElement(Atom + "title", e.Title),
                new XElement(Atom + "id", $"urn:alert-hub:notice:{e.Id}:{e.Revision}"),
                new XElement(Atom + "updated", Time(e.Updated)),
                new XElement(Atom + "author", new XElement(Atom + "name", e.Issuer)),
                new XElement(Atom + "category", new XAttribute("scheme", "urn:alert-hub:category"), new XAttribute("term", e.Category)),
                new XElement(Atom + "category", new XAttribute("scheme", "urn:alert-hub:msg-type"), new XAttribute("term", e.MsgType)),
                new XElement(Atom + "summary", Summary(e)),
                Links(e, self).Select(l => new XElement(Atom + "link", new XAttribute("rel", "alternate"), new XAttribute("type", l.Type), new XAttribute("href", l.Href))),
                new XElement(Hub + "document", e.Id),
                new XElement(Hub + "revision", e.Revision),
                new XElement(Hub + "msgType", e.MsgType),
                new XElement(Hub + "status", e.Status),
                new XElement(Hub + "category", e.Category),
                new XElement(Hub + "sent", Time(e.Sent)),
                e.Expires is { } expires ? new XElement(Hub + "expires", Time(expires)) : null,
                e.Areas.Select(a => new XElement(Hub + "area", new XAttribute("code", a.Code), a.Name)))));
        return new XDeclaration("1.0", "utf-8", null) + "\n" + feed;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All), // Japanese stays readable
    };

    private sealed record JsonFeedDocument(string Version, string Title, string HomePageUrl, string FeedUrl, string Language,
        IReadOnlyList<JsonAuthor> Authors, IReadOnlyList<JsonItem> Items);

    private sealed record JsonAuthor(string Name);

    private sealed record JsonAttachment(string Url, string MimeType);

    private sealed record JsonItem(string Id, string Url, string Title, string ContentText, string DatePublished, string DateModified,
        IReadOnlyList<JsonAuthor> Authors, IReadOnlyList<string> Tags, IReadOnlyList<JsonAttachment> Attachments,
        [property: JsonPropertyName("_alert_hub")] JsonHubFields AlertHub);

    /// <summary>The hub's own fields (JSON Feed extensions start with an underscore).</summary>
    private sealed record JsonHubFields(string Document, int Revision, string MsgType, string Status, bool Cancelled, string Category,
        string Headline, string Sent, string Updated, string? Expires, IReadOnlyList<AlertArea> Areas);

    private static string JsonFeed(Feed content, Uri self) => JsonSerializer.Serialize(new JsonFeedDocument(
        "https://jsonfeed.org/version/1.1", "Alert hub 災害情報 / disaster notices", new Uri(self, "/").ToString(), self.ToString(), "ja",
        [new JsonAuthor("Alert hub")],
        content.Entries.Select(e =>
        {
            var links = Links(e, self).ToList();
            return new JsonItem($"urn:alert-hub:notice:{e.Id}:{e.Revision}", links[0].Href, e.Title, Summary(e), Time(e.Sent), Time(e.Updated),
                [new JsonAuthor(e.Issuer)], [e.Category, e.MsgType], links.Select(l => new JsonAttachment(l.Href, l.Type)).ToList(),
                new JsonHubFields(e.Id, e.Revision, e.MsgType, e.Status, e.Cancelled, e.Category, e.Title, Time(e.Sent), Time(e.Updated),
                    e.Expires is { } x ? Time(x) : null, e.Areas));
        }).ToList()), JsonOptions);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
