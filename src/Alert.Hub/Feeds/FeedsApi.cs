using System.Globalization;
using System.Xml.Linq;
using Alert.Hub.Storage;
using Dapper;

namespace Alert.Hub.Feeds;

/// <summary>
/// The Atom feed broadcasters pull, in the manner of JMA's feeds: one entry per document in force (its latest
/// revision, linking the CAP document; expired ones leave), plus recent cancels so pollers learn what to take down.
/// Actual notices only.
/// </summary>
public static class FeedsApi
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    /// <summary>How long a cancel stays in the feed so that pollers see it.</summary>
    public static readonly TimeSpan CancelWindow = TimeSpan.FromHours(1);

    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        app.MapGet("/feeds/notices.atom", NoticesAtom).WithTags("Feeds");
        return app;
    }

    private sealed record Entry
    {
        public required string DocumentId { get; init; }
        public required int Revision { get; init; }
        public required string MsgType { get; init; }
        public required string Title { get; init; }
        public required string IssuerName { get; init; }
        public required string AreaCodes { get; init; }
        public required DateTimeOffset ReceivedAt { get; init; }
    }

    private static async Task<IResult> NoticesAtom(HttpRequest request, Db db)
    {
        await using var connection = await db.OpenAsync();
        var entries = (await connection.QueryAsync<Entry>("""
            SELECT n.document_id AS documentid, n.revision, n.msg_type AS msgtype, n.title, i.name AS issuername,
                   n.area_codes AS areacodes, n.received_at AS receivedat
            FROM documents d
            JOIN notices n ON n.document_id = d.id AND n.revision = d.current_revision
            JOIN identities i ON i.id = d.issuer_id
            WHERE d.status = 'Actual'
              AND ((d.state = 'active' AND (n.expires IS NULL OR n.expires > @now)) OR (d.state = 'cancelled' AND d.updated_at >= @since))
            ORDER BY n.received_at DESC, n.document_id
            """, new { now = DateTimeOffset.UtcNow, since = DateTimeOffset.UtcNow - CancelWindow })).ToList();

        var root = $"{request.Scheme}://{request.Host}";
        var feed = new XElement(Atom + "feed",
            new XElement(Atom + "title", "Alert hub 災害情報 / disaster notices"),
            new XElement(Atom + "id", $"{root}/feeds/notices.atom"),
            new XElement(Atom + "updated", (entries.Count > 0 ? entries[0].ReceivedAt : DateTimeOffset.UnixEpoch).ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            new XElement(Atom + "link", new XAttribute("rel", "self"), new XAttribute("href", $"{root}/feeds/notices.atom")),
            new XElement(Atom + "author", new XElement(Atom + "name", "Alert hub")),
            entries.Select(e => new XElement(Atom + "entry",
                new XElement(Atom + "title", e.MsgType == "Cancel" ? $"【取消 / Cancelled】{e.Title}" : e.Title),
                new XElement(Atom + "id", $"urn:alert-hub:notice:{e.DocumentId}:{e.Revision}"),
                new XElement(Atom + "updated", e.ReceivedAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
                new XElement(Atom + "author", new XElement(Atom + "name", e.IssuerName)),
                new XElement(Atom + "category", new XAttribute("term", e.MsgType)),
                new XElement(Atom + "summary", $"{e.MsgType} rev {e.Revision}: {e.AreaCodes}"),
                new XElement(Atom + "link", new XAttribute("rel", "alternate"), new XAttribute("type", "application/cap+xml"),
                    new XAttribute("href", $"{root}/api/v1/notices/{e.DocumentId}/revisions/{e.Revision}/cap")))));

        return Results.Text(new XDocument(new XDeclaration("1.0", "utf-8", null), feed).Declaration + "\n" + feed,
            "application/atom+xml; charset=utf-8");
    }
}
