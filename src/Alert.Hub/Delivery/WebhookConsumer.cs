using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Alert.Core.Cap;
using Alert.Core.Notices;
using Alert.Core.Rendering;
using Alert.Core.Webhooks;
using Alert.Hub.Intake;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Options;

using Alert.Hub.Metrics;
namespace Alert.Hub.Delivery;

/// <summary>
/// Makes one attempt to POST one revision to each of a few webhook subscribers, side by side, and records what
/// happened to each. A failed attempt is not retried here: it sets when to try again (<see cref="RetryScheduler"/>
/// sends it then), so a receiver that is down holds no consumer while it waits. Per subscriber, revisions go out one
/// at a time and in order: a revision that a newer one has replaced is dropped instead of sent, and a newer one waits
/// while an older one is still on the wire, so the two cannot cross.
/// </summary>
public sealed class WebhookConsumer(Db db, IHttpClientFactory httpClients, Breakers breakers, DeliveryStates states, Signatures.HubSigner signer,
    HubMetrics metrics,
    IOptions<HubOptions> options)
    : IConsumer<DeliverNotice>
{
    public const string HttpClientName = "webhooks";

    /// <summary>How soon a revision held back by an older one still being sent is looked at again.</summary>
    private static readonly TimeSpan HeldBack = TimeSpan.FromMilliseconds(250);

    private static readonly string[] Waiting = ["pending", "retrying"], Sending = ["sending"];

    /// <summary>
    /// A claimed row is leased for the POST's timeout and this much more, to write what happened. Only a hub that died
    /// mid-way lets it lapse; the scheduler (of any hub) then sends it again, so this is how long such a delivery waits.
    /// </summary>
    private static readonly TimeSpan Recording = TimeSpan.FromSeconds(20);

    private sealed record Revision
    {
        public required byte[] CapBody { get; init; }
        public DateTimeOffset? Expires { get; init; }
        public int CurrentRevision { get; init; }
    }

    private sealed record Row
    {
        public required string SubscriberId { get; init; }
        public required string State { get; init; }
        public int Attempts { get; init; }
        public DateTimeOffset? CreatedAt { get; init; }
        public DateTimeOffset? RetryUntil { get; init; }
        public required string Url { get; init; }
        public required string Secret { get; init; }
        public long Paused { get; init; }
        public required string Format { get; init; }
        public required string Languages { get; init; }
    }

    public async Task Consume(ConsumeContext<DeliverNotice> context)
    {
        var message = context.Message;
        states.Begin();
        try
        {
            if (await ClaimAsync(message, context.CancellationToken) is not ({ } revision, { Count: > 0 } rows)) return;
            // One body per form asked for, not one per subscriber.
            var bodies = rows.Select(r => (r.Format, r.Languages)).Distinct()
                .ToDictionary(form => form, form => RenderOrError(revision.CapBody, form.Format, form.Languages));
            await Task.WhenAll(rows.Select(row =>
                DeliverAsync(new DeliveryKey(message.DocumentId, message.Revision, row.SubscriberId), row, revision, bodies[(row.Format, row.Languages)], context.CancellationToken)));
        }
        finally
        {
            states.End();
        }
    }

    /// <summary>
    /// Takes the rows this message was leased to, in one transaction: marks them sending (leased anew, so if this hub
    /// dies mid-way the scheduler sends them again once that lapses), drops older revisions still queued for the same
    /// subscribers, and holds back those that still have an older revision on the wire. Null when the revision itself
    /// has been replaced (its rows are then superseded).
    /// </summary>
    private async Task<(Revision?, List<Row>)> ClaimAsync(DeliverNotice message, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var args = new
        {
            message.DocumentId, message.Revision, ids = message.SubscriberIds.ToArray(), message.Lease, now,
            claim = DeliverNotice.LeaseFrom(now, options.Value.WebhookTimeout + Recording), soon = now + HeldBack,
            waiting = Waiting, sending = Sending,
        };
        var ours = Ours(db);
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // What the claim needs to know, read in one round trip (they were most of a delivery's cost on PostgreSQL).
        // Older revisions still queued for these subscribers are dropped whether or not this one is current: either
        // way a newer revision than theirs exists. A first revision has none, and skips the two statements that look for
        // them. Every statement of the claim is planned once per connection (GenericPlans): planned anew at every call
        // they cost PostgreSQL more than running them. The states are parameters so that no plan made without their
        // values can use the partial index of waiting deliveries: with statistics taken when every delivery had ended,
        // a general plan read that whole index (thousands of rows under load) instead of the primary key.
        var earlier = message.Revision > 1;
        Revision? revision;
        HashSet<string> held = [];
        List<Row> rows;
        await using (var read = await connection.QueryMultipleAsync($"""
            {Db.GenericPlans(connection)}
            SELECT n.cap_body AS capbody, n.expires, doc.current_revision AS currentrevision
            FROM notices n JOIN documents doc ON doc.id = n.document_id
            WHERE n.document_id = @DocumentId AND n.revision = @Revision;

            {(earlier ? $"""
                UPDATE deliveries SET state = 'superseded', updated_at = @now, next_attempt_at = NULL
                WHERE document_id = @DocumentId AND revision < @Revision AND {db.AnyOf("subscriber_id", "ids")} AND {db.AnyOf("state", "waiting")};

                SELECT subscriber_id FROM deliveries
                WHERE document_id = @DocumentId AND revision < @Revision AND {db.AnyOf("subscriber_id", "ids")} AND {db.AnyOf("state", "sending")};
                """ : "")}

            {ClaimableRows(db)}
            """, args, tx))
        {
            revision = await read.ReadSingleOrDefaultAsync<Revision>();
            if (earlier) held = (await read.ReadAsync<string>()).ToHashSet();
            rows = (await read.ReadAsync<Row>()).Where(r => !held.Contains(r.SubscriberId)).ToList();
        }
        if (revision is null) return (null, []);
        if (revision.CurrentRevision > message.Revision)
        {
            await connection.ExecuteAsync($"UPDATE deliveries SET state = 'superseded', updated_at = @now, next_attempt_at = NULL WHERE {ours}", args, tx);
            await tx.CommitAsync(ct);
            return (null, []);
        }
        if (held.Count > 0)
            await connection.ExecuteAsync($"UPDATE deliveries SET next_attempt_at = @soon WHERE {ours} AND {db.AnyOf("subscriber_id", "held")}",
                new { args.DocumentId, args.Revision, args.ids, args.Lease, args.waiting, args.soon, held = held.ToArray() }, tx);
        // A duplicate message may have read the same rows; the update decides which one sends each.
        var claimed = (await connection.QueryAsync<string>($"""
            UPDATE deliveries SET state = 'sending', next_attempt_at = @claim
            WHERE {ours} AND {db.AnyOf("subscriber_id", "mine")}
            RETURNING subscriber_id
            """, new { args.DocumentId, args.Revision, args.ids, args.Lease, args.waiting, args.claim, mine = rows.Select(r => r.SubscriberId).ToArray() }, tx)).ToHashSet();
        await tx.CommitAsync(ct);
        return (revision, rows.Where(r => claimed.Contains(r.SubscriberId)).ToList());
    }

    /// <summary>The rows of this revision leased to this message for these subscribers, still waiting to be sent.</summary>
    internal static string Ours(Db db) => $"""
        document_id = @DocumentId AND revision = @Revision AND {db.AnyOf("subscriber_id", "ids")}
          AND {db.AnyOf("state", "waiting")} AND (next_attempt_at = @Lease OR (next_attempt_at IS NULL AND @Lease IS NULL))
        """;

    /// <summary>The claim's read of those rows with their subscribers' addresses (its plan is checked by GenericPlanTests).</summary>
    internal static string ClaimableRows(Db db) => $"""
        SELECT d.subscriber_id AS subscriberid, d.state, d.attempts, d.created_at AS createdat, d.retry_until AS retryuntil,
               s.url, s.secret, s.paused, s.format, s.languages
        FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
        WHERE {Ours(db)};
        """;

    private async Task DeliverAsync(DeliveryKey delivery, Row row, Revision revision, Body body, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var o = options.Value;
        // Past this, a late evacuation order is worse than none: the delivery is dead, and shown as such (unless an
        // operator republished it, and so set a deadline of their own).
        var deadline = row.RetryUntil ?? revision.Expires ?? (row.CreatedAt ?? now) + o.WebhookGiveUpAfter;
        // A retry that comes too late dies; a first attempt goes out as the notice was accepted.
        if (now > deadline && row.State == "retrying")
        {
            await states.SetAsync(delivery, "dead", "its notice expired before it could be sent", attempted: false);
            return;
        }
        var wait = row.Paused != 0 ? now + o.BreakerOpen : breakers.Wait(delivery.SubscriberId, now, o);
        if (wait is { } until)
        {
            // Not an attempt: the delivery waits, with its count of attempts unchanged.
            await ScheduleAsync(delivery, until, deadline, row.Paused != 0 ? "paused" : "circuit open: too many failures in a row", attempted: false);
            return;
        }

        string? error;
        try
        {
            // A body that cannot be written is a failed attempt like any other: retried, then dead, never a poison message.
            error = body.Error ?? await PostAsync(row, delivery, body, now, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // This hub is stopping: the delivery is handed back, due at once for whichever hub runs next, rather than
            // waiting for its lease to lapse (the receiver may have it already; its key lets it drop the repeat).
            await states.SetAsync(delivery, "retrying", "the hub stopped before the receiver answered", attempted: false, next: DateTimeOffset.UtcNow);
            return;
        }
        if (error is null)
        {
            breakers.Succeeded(delivery.SubscriberId);
            await states.SetAsync(delivery, "delivered", null);
            if (row.CreatedAt is { } created) metrics.Delay.Record((DateTimeOffset.UtcNow - created).TotalSeconds);
            return;
        }
        breakers.Failed(delivery.SubscriberId, now, o);
        // The row was claimed before it was read, so its count of attempts is this message's to add to.
        await ScheduleAsync(delivery, now + Backoff(row.Attempts + 1, o), deadline, error, attempted: true);
    }

    private async Task<string?> PostAsync(Row row, DeliveryKey delivery, Body body, DateTimeOffset now, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, row.Url)
        {
            Content = new ByteArrayContent(body.Bytes) { Headers = { ContentType = MediaTypeHeaderValue.Parse(body.ContentType) } },
        };
        request.Headers.Add("Idempotency-Key", delivery.IdempotencyKey);
        request.Headers.Add("X-Alert-Document", delivery.DocumentId);
        request.Headers.Add("X-Alert-Revision", delivery.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (row.Secret.Length > 0) request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(row.Secret, body.Bytes, now));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        string? error;
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ct);
            error = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            error = ex is TaskCanceledException ? "timed out" : ex.Message;
        }
        metrics.Posts.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("outcome", error is null ? "ok" : "failed"));
        return error;
    }

    private sealed record Body(byte[] Bytes, string ContentType, string? Error);

    private Body RenderOrError(byte[] cap, string format, string languages)
    {
        try
        {
            var (bytes, contentType) = Render(cap, format, languages);
            // The stored CAP was signed when it was stored; XML written here is signed now.
            if (!ReferenceEquals(bytes, cap) && contentType is "application/cap+xml" or "application/vnd.alert-hub.notice+xml") bytes = signer.Sign(bytes);
            return new Body(bytes, contentType, null);
        }
        catch (Exception ex)
        {
            return new Body([], "", $"could not write the {format} body: {ex.Message}");
        }
    }

    /// <summary>
    /// The body in the form the subscriber asked for. CAP without languages asked is the document byte for byte as
    /// received (its XML declaration names the encoding, an issuer's signature stays valid); with languages it is
    /// written again with one info per language. Short text and native JSON are written from the notice the CAP
    /// carries; CAP from elsewhere carries none and goes as it came.
    /// </summary>
    internal static (byte[] Body, string ContentType) Render(byte[] cap, string format, string languages)
    {
        const string Cap = "application/cap+xml";
        if (format == "cap" && languages.Length == 0) return (cap, Cap);
        var alert = StoredCaps.Read(cap);
        if (alert is null || NoticeCap.FromCap(alert) is not { } notice) return (cap, Cap);
        var wanted = Core.Rendering.Languages.ParseList(languages);
        return format switch
        {
            "text" => (Encoding.UTF8.GetBytes(ShortText.Write(notice, wanted.Count > 0 ? wanted[0] : Core.Rendering.Languages.Japanese).Text), "text/plain; charset=utf-8"),
            "notice-json" => (Encoding.UTF8.GetBytes(NoticeJson.Write(notice)), "application/vnd.alert-hub.notice+json"),
            "notice-xml" => (Encoding.UTF8.GetBytes(NoticeXmlWriter.Write(notice)), "application/vnd.alert-hub.notice+xml"),
            _ => (Encoding.UTF8.GetBytes(CapWriter.Write(NoticeCap.ToCap(notice, alert.References.Count > 0 ? alert.References[0] : null, wanted))), Cap),
        };
    }

    /// <summary>Exponential backoff with full jitter: spread out, so receivers coming back are not hit by every hub at once.</summary>
    internal static TimeSpan Backoff(int attempt, HubOptions o)
    {
        var ceiling = Math.Min(o.WebhookRetryMax.TotalMilliseconds, o.WebhookRetryFirst.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    /// <summary>Sets the next try, or declares the delivery dead when that would come after its deadline.</summary>
    private Task<bool> ScheduleAsync(DeliveryKey delivery, DateTimeOffset next, DateTimeOffset deadline, string error, bool attempted) =>
        next > deadline
            ? states.SetAsync(delivery, "dead", error, attempted)
            : states.SetAsync(delivery, "retrying", error, attempted, next);
}

/// <summary>
/// Writes deliveries' claims and states. Each caller waits until its row is committed (a consumer sends, or
/// acknowledges its message, only after that), but the writes of all deliveries at about the same moment share one
/// transaction: with a thousand subscribers, one commit per delivery was what limited how fast a notice reached them.
/// </summary>
public sealed partial class DeliveryStates(Db db, HubMetrics metrics, ILogger<DeliveryStates> logger) : BackgroundService
{
    /// <summary>One row's write, and whether it changed the row, known once its transaction commits.</summary>
    private sealed record Pending(DeliveryKey Delivery, string State, string? Error, DateTimeOffset Now, DateTimeOffset? Next, int Counted,
        TaskCompletionSource<bool> Done);

    private readonly System.Threading.Channels.Channel<Pending> _queue = System.Threading.Channels.Channel.CreateUnbounded<Pending>();
    private readonly Lock _gate = new();
    private int _consumers;
    private TaskCompletionSource? _drained;

    /// <summary>A consumer is at work: at shutdown the writer stays open until it has written how its deliveries ended.</summary>
    public void Begin()
    {
        lock (_gate) _consumers++;
    }

    public void End()
    {
        lock (_gate)
            if (--_consumers == 0) _drained?.TrySetResult();
    }

    /// <summary>
    /// The bus cuts consumers short when the hub stops and moves on without waiting for them; they then hand their
    /// deliveries back through this writer, so it closes only once they are done (or the host's stop deadline passes).
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Task drained;
        lock (_gate) drained = _consumers == 0 ? Task.CompletedTask : (_drained = new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        try
        {
            await drained.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        await base.StopAsync(cancellationToken);
    }

    /// <summary>Writes a delivery's new state, unless it has already ended (delivered, superseded, dead); true if it changed.</summary>
    public async Task<bool> SetAsync(DeliveryKey delivery, string state, string? error, bool attempted = true, DateTimeOffset? next = null)
    {
        var pending = new Pending(delivery, state, error, DateTimeOffset.UtcNow, next, attempted && state != "superseded" ? 1 : 0,
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) pending.Done.SetException(new InvalidOperationException("the hub is stopping"));
        var changed = await pending.Done.Task;
        if (changed) metrics.Deliveries.Add(1, new KeyValuePair<string, object?>("state", state));
        return changed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < 500 && _queue.Reader.TryRead(out var pending)) batch.Add(pending);
                // A batch that fails is written again a few times (the database away for a moment): failing it would fail
                // its consumers' messages, and their redelivery would POST again what receivers already have.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        foreach (var (p, changed) in await WriteAsync(batch, stoppingToken)) p.Done.TrySetResult(changed);
                        break;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException && attempt < 5)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogFailed(logger, ex, batch.Count); // each waiting consumer fails its message, which is retried
                        foreach (var p in batch) p.Done.TrySetException(ex);
                        break;
                    }
                }
                batch.Clear();
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _queue.Writer.TryComplete();
            foreach (var p in batch) p.Done.TrySetCanceled(CancellationToken.None);
            while (_queue.Reader.TryRead(out var left)) left.Done.TrySetCanceled(CancellationToken.None);
        }
    }

    /// <summary>
    /// One transaction for the batch, in key order so that concurrent batches lock rows in one order (no deadlocks on
    /// PostgreSQL); the same row twice keeps the order its writes came in. Each statement returns a row if it changed one.
    /// On PostgreSQL the statements go as one command: a round trip per row was most of what a thousand deliveries cost
    /// the hub. SQLite runs in the hub's process, and binds every parameter of a command to each of its statements by
    /// name, so there one statement is run again row by row. Plain ADO.NET, not Dapper: Dapper would cache what it learns
    /// of every distinct command text and result.
    /// </summary>
    private async Task<List<(Pending Write, bool Changed)>> WriteAsync(List<Pending> batch, CancellationToken ct)
    {
        var ordered = batch.OrderBy(p => p.Delivery.IdempotencyKey, StringComparer.Ordinal).ToList();
        var changed = new List<(Pending Write, bool Changed)>(ordered.Count);
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        if (db.Kind == DatabaseKind.Postgres)
        {
            command.CommandText = string.Concat(ordered.Select((_, i) => Statement(i)));
            for (var i = 0; i < ordered.Count; i++) Bind(ordered[i], i);
            await using var results = await command.ExecuteReaderAsync(ct);
            // A statement's key is the row's primary key: it returns one row or none.
            foreach (var p in ordered)
            {
                changed.Add((p, await results.ReadAsync(ct)));
                await results.NextResultAsync(ct);
            }
        }
        else
        {
            command.CommandText = Statement(0);
            foreach (var p in ordered)
            {
                command.Parameters.Clear();
                Bind(p, 0);
                changed.Add((p, await command.ExecuteScalarAsync(ct) is not null));
            }
        }
        await tx.CommitAsync(ct);
        return changed;

        static string Statement(int i) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"""
            UPDATE deliveries
            SET state = @state{i}, last_error = @error{i}, updated_at = @now{i}, next_attempt_at = @next{i},
                attempts = attempts + @counted{i},
                delivered_at = CASE WHEN @state{i} = 'delivered' THEN @now{i} ELSE delivered_at END
            WHERE document_id = @document{i} AND revision = @revision{i} AND subscriber_id = @subscriber{i}
              AND state NOT IN ('delivered', 'superseded', 'dead')
            RETURNING 1;

            """);

        void Bind(Pending p, int i)
        {
            Add($"state{i}", p.State);
            Add($"error{i}", p.Error);
            Add($"now{i}", p.Now);
            Add($"next{i}", p.Next);
            Add($"counted{i}", p.Counted);
            Add($"document{i}", p.Delivery.DocumentId);
            Add($"revision{i}", p.Delivery.Revision);
            Add($"subscriber{i}", p.Delivery.SubscriberId);
        }

        void Add(string name, object? value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the states of {Count} deliveries")]
    private static partial void LogFailed(ILogger logger, Exception exception, int count);
}

/// <summary>
/// Per-subscriber circuit breakers of this hub process: after <see cref="HubOptions.BreakerFailures"/> failures in a
/// row a subscriber gets no attempts for <see cref="HubOptions.BreakerOpen"/>; then one attempt probes (half-open).
/// A failed probe opens it twice as long (up to the longest retry), a success closes it. Failures of attempts that
/// were already under way when it opened do not count again. So a dead endpoint does not keep consumers waiting on
/// timeouts that other subscribers need, and a short blip costs only the first open period.
/// </summary>
public sealed class Breakers
{
    private sealed record State(int Failures, int Openings, DateTimeOffset OpenUntil, bool Probing);

    private readonly ConcurrentDictionary<string, State> _state = new();

    /// <summary>Null when an attempt may go ahead; else until when to wait.</summary>
    public DateTimeOffset? Wait(string subscriberId, DateTimeOffset now, HubOptions o)
    {
        while (_state.TryGetValue(subscriberId, out var s) && s.Openings > 0)
        {
            if (s.OpenUntil > now) return s.OpenUntil;
            // The open period is over: this attempt is the probe; the others wait while it finds out.
            if (_state.TryUpdate(subscriberId, s with { OpenUntil = now + o.BreakerOpen, Probing = true }, s)) return null;
        }
        return null;
    }

    public void Succeeded(string subscriberId) => _state.TryRemove(subscriberId, out _);

    public void Failed(string subscriberId, DateTimeOffset now, HubOptions o) =>
        _state.AddOrUpdate(subscriberId, _ => Next(new State(0, 0, DateTimeOffset.MinValue, false), now, o), (_, s) => Next(s, now, o));

    private static State Next(State s, DateTimeOffset now, HubOptions o)
    {
        if (s.Probing) return Open(s with { Probing = false }, now, o);     // the probe failed: open longer
        if (s.Openings > 0) return s;                                      // an attempt from before it opened
        return s.Failures + 1 >= o.BreakerFailures ? Open(s, now, o) : s with { Failures = s.Failures + 1 };
    }

    private static State Open(State s, DateTimeOffset now, HubOptions o) => s with
    {
        Openings = s.Openings + 1,
        OpenUntil = now + TimeSpan.FromTicks(Math.Min(o.WebhookRetryMax.Ticks, o.BreakerOpen.Ticks << Math.Min(s.Openings, 10))),
    };
}

public sealed class WebhookConsumerDefinition : ConsumerDefinition<WebhookConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<WebhookConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Receivers' failures are recorded and rescheduled, never thrown; only the database can fail a message here.
        endpointConfigurator.RetryForMinutes();
        // One slow receiver must not hold up the others: many messages, each of a few deliveries, run at once.
        endpointConfigurator.Limit(16);
    }
}

/// <summary>
/// Sends the deliveries whose next try has come. Each is leased first (its next try moved two minutes on, in the same
/// statement that finds it), so several hubs never send one twice, and one that dies holding it gives it up by itself.
/// </summary>
public sealed partial class RetryScheduler(Db db, IBus bus, ILogger<RetryScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SendDueAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex); // the database or the bus is away: the rows wait, and the next tick tries again
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendDueAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var lease = DeliverNotice.LeaseFrom(now);
        await using var connection = await db.OpenAsync(ct);
        // Pending rows too: their lease lapses only if the message sent with them was lost; and sending ones, whose
        // lease lapses only if the hub sending them died (the receiver may have it: its key lets it drop a repeat).
        var due = (await connection.QueryAsync<(string DocumentId, int Revision, string SubscriberId)>("""
            UPDATE deliveries SET next_attempt_at = @lease, state = CASE WHEN state = 'sending' THEN 'retrying' ELSE state END
            WHERE state IN ('pending', 'retrying', 'sending') AND next_attempt_at <= @now
            RETURNING document_id, revision, subscriber_id
            """, new { now, lease }))
            .GroupBy(d => (d.DocumentId, d.Revision))
            .SelectMany(g => DeliverNotice.For(g.Key.DocumentId, g.Key.Revision, g.Select(d => d.SubscriberId), lease))
            .ToList();
        if (due.Count == 0) return;
        try
        {
            await bus.PublishBatch(due, ct);
        }
        catch
        {
            // A broker node lost under the publish (or the hub stopping) leaves these rows leased to messages that may
            // not have gone: handed back, due at once, or they would wait out the lease (two minutes) after a failover.
            // A message that did go finds its row no longer leased to it and sends nothing; the next one does.
            await connection.ExecuteAsync("""
                UPDATE deliveries SET next_attempt_at = @now
                WHERE state IN ('pending', 'retrying', 'sending') AND next_attempt_at = @lease
                """, new { now, lease });
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send due webhook retries; trying again shortly")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
