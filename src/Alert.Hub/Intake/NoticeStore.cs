using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Alert.Core;
using Alert.Core.Cap;
using Alert.Core.Xml;
using Alert.Hub.Auth;
using Alert.Hub.Audit;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alert.Hub.Intake;

/// <summary>What a stored revision covers: the codes the issuer named and the municipalities and wards inside them.</summary>
/// <param name="AreaSource">What the shape was made from: codes, shapes (polygons, circles) or towns (approximate cells).</param>
public sealed record Coverage(IReadOnlyList<string> AreaCodes, IReadOnlyList<string> PartCodes, byte[]? AreaWkb, string AreaSource);

/// <param name="ProxyFor">The municipality a prefecture issued this revision for (代行); null when the issuer spoke for itself.</param>
public sealed record StoredRevision(string DocumentId, int Revision, string MsgType, string Status, IReadOnlyList<string> AreaCodes, string? ProxyFor = null);

/// <summary>
/// One revision as the store takes it. <see cref="Cap"/> gives what CAP says of it (sender, identifier, type, mode);
/// a native notice also names its document and revision, and writes its CAP once the previous revision is known,
/// so that the CAP references it.
/// </summary>
public sealed record Submission(CapAlert Cap, string SourceType, byte[] SourceBody, string? DocumentKey = null, int? Revision = null,
    Func<CapReference?, byte[]>? WriteCap = null)
{
    /// <summary>The municipality a prefecture speaks for as 代行 (see IssuerScope); null when the issuer speaks for itself.</summary>
    public string? ProxyFor { get; init; }

    /// <summary>The thumbprint of the registered certificate whose signature on the body was verified; null when unsigned.</summary>
    public string? SignedWith { get; init; }
}

/// <summary>
/// Stores a revision, its document's new state and its outbox message in one transaction. Update and Cancel
/// find their document through CAP references or, for native notices, by the issuer's document id; resubmitting
/// the same message is answered as before.
/// </summary>
public sealed class NoticeStore(Db db, Signatures.HubSigner signer, Metrics.HubMetrics metrics) : IDisposable
{
    /// <summary>At most this many first revisions share one transaction.</summary>
    internal const int MaxTogether = 50;

    // First revisions on PostgreSQL wait here for the one writer that commits together all that arrived meanwhile.
    private readonly Channel<Together> _firsts = Channel.CreateUnbounded<Together>(new UnboundedChannelOptions { SingleReader = true });
    private int _writing;

    /// <param name="Written">true once committed; false when the shared transaction broke a unique key, and the request
    /// writes its revision on its own to learn whether it is the repeat.</param>
    private sealed record Together(NewRevision Row, Activity? Trace, TaskCompletionSource<bool> Written);

    public async Task<(StoredRevision? Stored, ProblemHttpResult? Problem)> SaveAsync(
        Submission submission, Identity issuer, Coverage coverage, CancellationToken ct)
    {
        var bodySha256 = Convert.ToHexStringLower(SHA256.HashData(submission.SourceBody));
        if (submission.Cap.MsgType == "Alert" && db.Kind == DatabaseKind.Postgres)
        {
            if (First(submission, issuer, coverage, bodySha256) is not { } first) return (null, CapTooLarge(submission.SourceType));
            if (await WrittenTogetherAsync(first) is { } together) return (together, null);
        }
        try
        {
            // A first revision is written straight away: a repeat breaks a unique key, and is then looked up and answered.
            return await TrySaveAsync(submission, issuer, coverage, bodySha256, lookFirst: submission.Cap.MsgType != "Alert", ct);
        }
        catch (DbException ex) when (Db.IsUniqueViolation(ex))
        {
            // Sent before, or twice at the same moment and the other copy won: now it is found and answered.
            try
            {
                return await TrySaveAsync(submission, issuer, coverage, bodySha256, lookFirst: true, ct);
            }
            catch (DbException again) when (Db.IsUniqueViolation(again))
            {
                // Not this message again, yet its document key is taken: the issuer used one documentId for another
                // notice under another sender (a prefecture's 代行 for two municipalities), or a CAP key spelt alike.
                return (null, submission.DocumentKey is { } key
                    ? HubProblems.One(StatusCodes.Status409Conflict, "notice.document-id.taken",
                        $"documentId「{key}」はこの発信者の別の情報に使われています。新しい情報には新しい documentId を付けてください。",
                        $"documentId '{key}' is already used by another notice of this issuer; give a new notice a new documentId.",
                        "/notice/envelope/documentId")
                    : DuplicateIdentifier(submission.Cap));
            }
        }
    }

    private async Task<(StoredRevision? Stored, ProblemHttpResult? Problem)> TrySaveAsync(
        Submission submission, Identity issuer, Coverage coverage, string bodySha256, bool lookFirst, CancellationToken ct)
    {
        var alert = submission.Cap;
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // A desk that did not see our answer sends again: same message, same answer, nothing new sent.
        async Task<(StoredRevision?, ProblemHttpResult?)?> SeenBeforeAsync()
        {
            var earlier = await connection.QuerySingleOrDefaultAsync<(string DocumentId, int Revision, string BodySha256, string MsgType, string Status, string AreaCodes, string IssuerId, string? ProxyFor)>("""
                SELECT n.document_id, n.revision, n.body_sha256, n.msg_type, d.status, n.area_codes, d.issuer_id, n.proxy_for
                FROM notices n JOIN documents d ON d.id = n.document_id
                WHERE n.sender = @Sender AND n.identifier = @Identifier
                """, new { alert.Sender, alert.Identifier }, tx);
            if (earlier.DocumentId is null) return null;
            if (earlier.BodySha256 == bodySha256 && earlier.IssuerId == issuer.Id)
                return (new StoredRevision(earlier.DocumentId, earlier.Revision, earlier.MsgType, earlier.Status, Split(earlier.AreaCodes), earlier.ProxyFor), null);
            return submission.DocumentKey is { } key
                ? (null, HubProblems.One(StatusCodes.Status409Conflict, "notice.revision.exists",
                    $"documentId「{key}」の第{submission.Revision}版は別の内容で受付済みです。変更は版番号を増やして送ってください。",
                    $"Revision {submission.Revision} of document '{key}' was already accepted with other content; send changes as a higher revision.",
                    "/notice/envelope/revision"))
                : (null, DuplicateIdentifier(alert));
        }

        if (lookFirst && await SeenBeforeAsync() is { } answer) return answer;

        NewRevision row;
        if (alert.MsgType == "Alert")
        {
            if (First(submission, issuer, coverage, bodySha256) is not { } first) return (null, CapTooLarge(submission.SourceType));
            row = first;
        }
        else
        {
            var (current, problem) = submission.DocumentKey is { } key
                ? await FindByKeyAsync(connection, tx, key, submission.Revision!.Value, alert, issuer)
                : await FindReferencedAsync(connection, tx, alert, issuer);
            if (problem is not null) return (null, problem);
            var (documentId, revision) = (current.Id, submission.Revision ?? current.Revision + 1);
            // References repeat the earlier sent exactly as its CAP wrote it (with its offset), so receivers can match them as text.
            var earlierCap = await connection.ExecuteScalarAsync<byte[]>(
                "SELECT cap_body FROM notices WHERE document_id = @id AND revision = @revision", new { id = current.Id, revision = current.Revision }, tx);
            var earlierSent = earlierCap is null ? null : StoredCaps.Read(earlierCap)?.Sent;
            var previous = new CapReference(current.CurrentSender, current.CurrentIdentifier, CapWriter.Time(earlierSent ?? current.CurrentSent));
            if (alert.MsgType == "Cancel")
            {
                // A cancel withdraws the document everywhere it went: it covers what the revision before it covered.
                var before = await connection.QuerySingleAsync<(string AreaCodes, string PartCodes, byte[]? AreaWkb, string AreaSource)>(
                    "SELECT area_codes, part_codes, area_wkb, area_source FROM notices WHERE document_id = @documentId AND revision = @revision",
                    new { documentId, revision = current.Revision }, tx);
                coverage = new Coverage(Split(before.AreaCodes), Split(before.PartCodes), before.AreaWkb, before.AreaSource);
            }

            if (StoredCap(submission, previous) is not { } cap) return (null, CapTooLarge(submission.SourceType));
            row = new NewRevision(documentId, revision, submission, issuer, coverage, bodySha256, cap, DateTimeOffset.UtcNow);
            var updated = await connection.ExecuteAsync("""
                UPDATE documents SET current_revision = @revision, state = @state, updated_at = @now
                WHERE id = @documentId AND current_revision = @current
                """, new { revision, state = alert.MsgType == "Cancel" ? "cancelled" : "active", now = row.Now, documentId, current = current.Revision }, tx);
            if (updated == 0)
                return (null, HubProblems.One(StatusCodes.Status409Conflict, "notice.concurrent-revision",
                    "同じ情報に対する別の更新が同時に受け付けられました。最新の状態を確認してから送り直してください。",
                    "Another revision of this notice was accepted at the same moment; check its current state and send again."));
        }

        await CommitAsync(connection, tx, [(row, Activity.Current)], ct);
        return (row.Stored, null);
    }

    /// <summary>
    /// Writes <paramref name="rows"/> and commits: the logs' lock, their documents, revisions and outbox messages and the
    /// read of the audit chain's end go in one round trip (every other intake waits for this commit), then their chained
    /// audit entries in one statement, then the commit. The lock comes before the first insert: a transaction that
    /// inserted a document key and then waited for the lock could wait on one that held the lock and was inserting the
    /// same key (a repeat written alone while the shared writer holds its copy), and PostgreSQL would end one of them as
    /// a deadlock, failing every notice of the shared writer's batch with it.
    /// </summary>
    private async Task CommitAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<(NewRevision Row, Activity? Trace)> rows, CancellationToken ct)
    {
        var args = new DynamicParameters();
        var sql = new System.Text.StringBuilder(Db.LockLogs(connection));
        foreach (var ((row, trace), i) in rows.Select((r, i) => (r, i)))
            sql.Append(RevisionRows(args, $"_{i}", row)).Append(Outbox.Append(args, row.Message, trace, $"_{i}"));
        var last = await connection.QuerySingleOrDefaultAsync<(long Id, string? Hash)>(sql.Append(AuditLog.Last).ToString(), args, tx);
        await AuditLog.AppendAsync(connection, tx, last, rows.Select(r => r.Row.AuditEntry).ToList());
        await tx.CommitAsync(ct);
        var first = rows.Count(r => r.Row.Alert.MsgType == "Alert");
        if (first > 0) metrics.Commits.Record(first);
    }

    /// <summary>A revision about to be written, with everything its rows hold.</summary>
    private sealed record NewRevision(string DocumentId, int Revision, Submission Submission, Identity Issuer, Coverage Coverage,
        string BodySha256, byte[] CapBody, DateTimeOffset Now)
    {
        public CapAlert Alert => Submission.Cap;

        public NoticeAccepted Message => new(DocumentId, Revision, Alert.Status, Alert.MsgType, Coverage.PartCodes);

        public StoredRevision Stored => new(DocumentId, Revision, Alert.MsgType, Alert.Status, Coverage.AreaCodes, Submission.ProxyFor);

        public AuditLog.NewEntry AuditEntry => new(Issuer.Id,
            Alert.MsgType switch { "Cancel" => "notice.cancelled", "Update" => "notice.updated", _ => "notice.accepted" }, DocumentId,
            new { revision = Revision, Alert.MsgType, Alert.Status, Alert.Sender, Alert.Identifier, bodySha256 = BodySha256,
                areas = Coverage.AreaCodes, source = Submission.SourceType, proxyFor = Submission.ProxyFor });
    }

    /// <summary>
    /// A first revision: a new document, keyed by the issuer's documentId or, for CAP, by sender/identifier. Null when
    /// its CAP would not read back.
    /// </summary>
    private NewRevision? First(Submission submission, Identity issuer, Coverage coverage, string bodySha256) =>
        StoredCap(submission, null) is { } cap
            ? new(Guid.CreateVersion7().ToString("N"), 1, submission, issuer, coverage, bodySha256, cap, DateTimeOffset.UtcNow)
            : null;

    /// <summary>
    /// The CAP stored for a revision: the one the hub wrote of a native notice (referencing the revision before) or the
    /// one sent, signed by the hub. Null when the hub could not read it back, as written or as signed (signing reads it
    /// under the same bounds, then writes it again with the signature): every reader of the revision, the feeds, the
    /// alerts in force, the fan-out and the native forms, reads it under the bounds of anything from outside (SafeXml).
    /// </summary>
    private byte[]? StoredCap(Submission submission, CapReference? previous)
    {
        var written = submission.WriteCap?.Invoke(previous) ?? submission.SourceBody;
        // CAP as sent was read at intake under these bounds: only what the hub wrote is read again.
        if (submission.WriteCap is not null && !SafeXml.ReadsBack(written)) return null;
        var signed = signer.Sign(written);
        return signed == written || SafeXml.ReadsBack(signed) ? signed : null;
    }

    /// <summary>
    /// The refusal of a notice whose stored CAP the hub could not read back. It points at the whole body: no one part of
    /// it is wrong, there is too much of it.
    /// </summary>
    internal static ProblemHttpResult CapTooLarge(string format) => HubProblems.One(StatusCodes.Status422UnprocessableEntity, "notice.cap.too-large",
        $"この情報から作る CAP が、ハブが保存して読み戻せる大きさ（{SafeXml.MaxDocumentChars:N0} 文字・{SafeXml.MaxElements:N0} 要素まで）を超えます。何も保存されていません。行・地区・施設などを減らし、いくつかの情報に分けて送ってください。",
        $"The CAP this notice makes is beyond what the hub can store and read back (at most {SafeXml.MaxDocumentChars:N0} characters and {SafeXml.MaxElements:N0} elements). Nothing was stored: send fewer rows, districts or places, split over several notices.",
        format switch { "csv" => null, "notice-json" => "$", _ => "/" });

    /// <summary>
    /// The inserts of <paramref name="row"/> (and of its document, for a first revision), their arguments added to
    /// <paramref name="args"/> named with <paramref name="s"/> where one command writes several revisions.
    /// </summary>
    private static string RevisionRows(DynamicParameters args, string s, NewRevision row)
    {
        var (alert, coverage) = (row.Alert, row.Coverage);
        args.AddDynamicParams(new Dictionary<string, object?>
        {
            ["documentId" + s] = row.DocumentId, ["revision" + s] = row.Revision, ["issuer" + s] = row.Issuer.Id,
            ["key" + s] = row.Submission.DocumentKey ?? $"{alert.Sender}/{alert.Identifier}", ["status" + s] = alert.Status,
            ["sender" + s] = alert.Sender, ["identifier" + s] = alert.Identifier, ["sent" + s] = alert.Sent, ["msgType" + s] = alert.MsgType,
            ["title" + s] = alert.Title, ["areaCodes" + s] = string.Join(' ', coverage.AreaCodes), ["partCodes" + s] = string.Join(' ', coverage.PartCodes),
            ["areaWkb" + s] = coverage.AreaWkb, ["areaSource" + s] = coverage.AreaSource, ["expires" + s] = alert.Expires,
            ["bodySha256" + s] = row.BodySha256, ["capBody" + s] = row.CapBody, ["sourceType" + s] = row.Submission.SourceType,
            ["sourceBody" + s] = row.Submission.SourceBody, ["now" + s] = row.Now, ["proxyFor" + s] = row.Submission.ProxyFor,
            ["signedWith" + s] = row.Submission.SignedWith,
        });
        // CAP-born documents are keyed sender/identifier, which no native documentId can spell. A document with this key
        // already holds its first revision under this identifier, so a repeat breaks the unique key (as does a copy
        // committed meanwhile), and SaveAsync looks it up.
        var document = alert.MsgType != "Alert" ? "" : $"""
            INSERT INTO documents (id, issuer_id, document_key, status, current_revision, state, updated_at)
            VALUES (@documentId{s}, @issuer{s}, @key{s}, @status{s}, 1, 'active', @now{s});

            """;
        return document + $"""
            INSERT INTO notices (document_id, revision, sender, identifier, sent, msg_type, title, area_codes, part_codes,
                                 area_wkb, area_source, expires, body_sha256, cap_body, source_type, source_body, received_at, proxy_for, signed_with)
            VALUES (@documentId{s}, @revision{s}, @sender{s}, @identifier{s}, @sent{s}, @msgType{s}, @title{s}, @areaCodes{s}, @partCodes{s},
                    @areaWkb{s}, @areaSource{s}, @expires{s}, @bodySha256{s}, @capBody{s}, @sourceType{s}, @sourceBody{s}, @now{s}, @proxyFor{s}, @signedWith{s});

            """;
    }

    /// <summary>
    /// Hands a first revision to the shared writer. Every intake appends to the logs under one lock (see Outbox.Append),
    /// so notices arriving together commit one after another, each holding the lock for its round trips and commit:
    /// written together they take one lock, one audit append and one commit for all. Null: write it alone.
    /// </summary>
    private async Task<StoredRevision?> WrittenTogetherAsync(NewRevision row)
    {
        if (Interlocked.Exchange(ref _writing, 1) == 0) _ = Task.Run(WriteTogetherAsync);
        var together = new Together(row, Activity.Current, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_firsts.Writer.TryWrite(together)) return null; // shutting down
        return await together.Written.Task ? row.Stored : null;
    }

    private async Task WriteTogetherAsync()
    {
        var batch = new List<Together>(MaxTogether);
        while (await _firsts.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxTogether && _firsts.Reader.TryRead(out var next)) batch.Add(next);
            try
            {
                await using var connection = await db.OpenAsync();
                await using var tx = await connection.BeginTransactionAsync();
                await CommitAsync(connection, tx, batch.Select(b => (b.Row, b.Trace)).ToList(), CancellationToken.None);
                batch.ForEach(b => b.Written.SetResult(true));
            }
            catch (DbException ex) when (Db.IsUniqueViolation(ex))
            {
                // One of them was sent before (or is taken): nothing of the batch was stored; each finds out on its own.
                batch.ForEach(b => b.Written.SetResult(false));
            }
            catch (Exception ex)
            {
                batch.ForEach(b => b.Written.SetException(ex));
            }
            batch.Clear();
        }
    }

    public void Dispose() => _firsts.Writer.TryComplete();

    private static ProblemHttpResult DuplicateIdentifier(CapAlert alert) => HubProblems.One(StatusCodes.Status409Conflict, "notice.duplicate-identifier",
        $"sender「{alert.Sender}」の identifier「{alert.Identifier}」は別の内容で受付済みです。新しい情報には新しい identifier を付けてください。",
        $"identifier '{alert.Identifier}' from sender '{alert.Sender}' was already accepted with other content; give a new message a new identifier.",
        "/alert/identifier");

    private sealed record CurrentDocument
    {
        public required string CurrentSender { get; init; }
        public required string CurrentIdentifier { get; init; }
        public required DateTimeOffset CurrentSent { get; init; }
        public required string Id { get; init; }
        public required int Revision { get; init; }
        public required string IssuerId { get; init; }
        public required string State { get; init; }
        public required string Status { get; init; }
    }

    private static async Task<(CurrentDocument Document, ProblemHttpResult? Problem)> FindReferencedAsync(
        DbConnection connection, DbTransaction tx, CapAlert alert, Identity issuer)
    {
        var found = new List<CurrentDocument>();
        foreach (var reference in alert.References)
        {
            found.AddRange(await connection.QueryAsync<CurrentDocument>("""
                SELECT d.id, d.current_revision AS revision, d.issuer_id AS issuerid, d.state, d.status,
                       c.sender AS currentsender, c.identifier AS currentidentifier, c.sent AS currentsent
                FROM notices n
                JOIN documents d ON d.id = n.document_id
                JOIN notices c ON c.document_id = d.id AND c.revision = d.current_revision
                WHERE n.sender = @Sender AND n.identifier = @Identifier
                """, reference, tx));
        }

        var documents = found.DistinctBy(d => d.Id).ToList();
        ProblemHttpResult? problem = documents.Count switch
        {
            0 => HubProblems.One(StatusCodes.Status422UnprocessableEntity, "cap.references.unknown",
                "<references> が示す情報が見つかりません。更新・取消する元の情報の sender,identifier,sent を確認してください。",
                "No notice matches <references>; check the sender,identifier,sent of the message you are updating or cancelling.", "/alert/references"),
            > 1 => HubProblems.One(StatusCodes.Status422UnprocessableEntity, "cap.references.mixed",
                "<references> が複数の別々の情報を指しています。1つの情報の版だけを参照してください。",
                "<references> points at several different notices; reference the revisions of one notice only.", "/alert/references"),
            _ when documents[0].IssuerId != issuer.Id => HubProblems.One(StatusCodes.Status403Forbidden, "notice.not-yours",
                "他の発信者の情報は更新・取消できません。", "A notice issued by someone else cannot be updated or cancelled.", "/alert/references"),
            _ when documents[0].State == "cancelled" => HubProblems.One(StatusCodes.Status409Conflict, "notice.cancelled",
                "この情報は取り消し済みです。改めて発表する場合は msgType Alert で新しい情報として送ってください。",
                "This notice was cancelled; to issue it again, send a new Alert.", "/alert/references"),
            // Written against an older revision: accepting it would silently undo what the newer one said.
            _ when !alert.References.Any(r => r.Sender == documents[0].CurrentSender && r.Identifier == documents[0].CurrentIdentifier) =>
                HubProblems.One(StatusCodes.Status409Conflict, "notice.stale-revision",
                    $"この情報はすでに第{documents[0].Revision}版（identifier「{documents[0].CurrentIdentifier}」）に更新されています。最新の版を確認し、<references> に含めて送り直してください。",
                    $"This notice is already at revision {documents[0].Revision} (identifier '{documents[0].CurrentIdentifier}'); check it and reference it in <references>.",
                    "/alert/references"),
            _ when documents[0].Status != alert.Status => HubProblems.One(StatusCodes.Status422UnprocessableEntity, "cap.status.mismatch",
                $"元の情報は {documents[0].Status} です。訓練・試験と本番を同じ情報の版の中で切り替えることはできません。",
                $"The notice is {documents[0].Status}; a revision cannot switch between actual, exercise and test.", "/alert/status"),
            _ => null,
        };
        return (documents.FirstOrDefault()!, problem);
    }

    private static async Task<(CurrentDocument Document, ProblemHttpResult? Problem)> FindByKeyAsync(
        DbConnection connection, DbTransaction tx, string key, int revision, CapAlert alert, Identity issuer)
    {
        var document = await connection.QuerySingleOrDefaultAsync<CurrentDocument>("""
            SELECT d.id, d.current_revision AS revision, d.issuer_id AS issuerid, d.state, d.status,
                   c.sender AS currentsender, c.identifier AS currentidentifier, c.sent AS currentsent
            FROM documents d JOIN notices c ON c.document_id = d.id AND c.revision = d.current_revision
            WHERE d.issuer_id = @issuer AND d.document_key = @key
            """, new { issuer = issuer.Id, key }, tx);
        ProblemHttpResult? problem = document switch
        {
            null => HubProblems.One(StatusCodes.Status422UnprocessableEntity, "notice.document-unknown",
                $"documentId「{key}」の情報が見つかりません。第1版は kind を Issue にして送ってください。",
                $"No document '{key}' was issued; revision 1 is sent as an Issue.", "/notice/envelope/documentId"),
            { State: "cancelled" } => HubProblems.One(StatusCodes.Status409Conflict, "notice.cancelled",
                "この情報は取り消し済みです。改めて発表する場合は新しい documentId で Issue として送ってください。",
                "This notice was cancelled; to issue it again, send an Issue with a new documentId.", "/notice/envelope/documentId"),
            _ when revision <= document.Revision => HubProblems.One(StatusCodes.Status409Conflict, "notice.revision.not-newer",
                $"第{revision}版は受け付けられません。この情報はすでに第{document.Revision}版です。版番号は増やしてください。",
                $"Revision {revision} is not newer than the current revision {document.Revision}; revision numbers only grow.", "/notice/envelope/revision"),
            _ when document.Status != alert.Status => HubProblems.One(StatusCodes.Status422UnprocessableEntity, "notice.mode.mismatch",
                $"元の情報は {document.Status} です。訓練・試験と本番を同じ情報の版の中で切り替えることはできません。",
                $"The notice is {document.Status}; a revision cannot switch between actual, exercise and test.", "/notice/envelope/mode"),
            _ => null,
        };
        return (document!, problem);
    }

    internal static string[] Split(string codes) => codes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The CAP that says what a revision is about: its own, or for a cancel the revision it withdraws (a cancel's own
    /// CAP carries no category, headline or level of the notice), so receivers filtering by those hear of the cancel.
    /// </summary>
    internal static async Task<byte[]> DescribingCapAsync(DbConnection connection, string documentId, int revision, string msgType, byte[] own) =>
        msgType == "Cancel" && revision > 1
            // The revision before it, whatever its number: revision numbers only grow, and may skip some.
            ? await connection.ExecuteScalarAsync<byte[]>("""
                SELECT cap_body FROM notices WHERE document_id = @documentId AND revision < @revision ORDER BY revision DESC LIMIT 1
                """, new { documentId, revision }) ?? own
            : own;

    /// <summary>
    /// The municipalities and wards a revision or any earlier one of its document covered: whoever was told of an
    /// earlier revision must hear of the change, even one that drops their area.
    /// </summary>
    internal static async Task<HashSet<string>> PartsSoFarAsync(DbConnection connection, string documentId, int revision, IEnumerable<string> parts)
    {
        var all = parts.ToHashSet();
        if (revision == 1) return all;
        foreach (var codes in await connection.QueryAsync<string>(
                     "SELECT part_codes FROM notices WHERE document_id = @documentId AND revision < @revision", new { documentId, revision }))
            all.UnionWith(Split(codes));
        return all;
    }
}
