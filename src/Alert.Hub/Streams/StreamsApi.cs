using Alert.Core.Notices;
using System.Globalization;
using System.Text;
using System.IO.Pipelines;
using Alert.Core;
using Alert.Core.Codes;
using Alert.Geo;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Alert.Hub.Streams;

/// <summary>
/// Server-sent events for apps and signage: one event per accepted revision that matches the areas, categories and
/// mode asked for, live, resumable from any event id. Public, like the feed.
/// </summary>
public static class StreamsApi
{
    private static readonly string[] Statuses = ["Actual", "Exercise", "Test"];

    public static IServiceCollection AddStreams(this IServiceCollection services)
    {
        services.AddOptions<StreamOptions>().BindConfiguration("Alert:Streams")
            .Validate(o => o.Heartbeat > TimeSpan.Zero && o.Poll > TimeSpan.Zero && o.Backlog > 0, "Alert:Streams needs a positive Heartbeat, Poll and Backlog")
            .ValidateOnStart();
        return services.AddSingleton<StreamLog>().AddSingleton<StreamHub>().AddHostedService(sp => sp.GetRequiredService<StreamHub>());
    }

    public static RouteGroupBuilder MapStreams(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/stream").WithTags("Streams");
        group.MapGet("/", Get);
        return group;
    }

    /// <summary><c>?codes=43,431001&amp;categories=evacuation,shelters&amp;status=Exercise&amp;lastEventId=…</c>, all optional.</summary>
    private static Results<EventStreamResult, ProblemHttpResult> Get(string? codes, string? categories, string? status, string? lastEventId,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventIdHeader, Gazetteer gazetteer)
    {
        var (filter, after, problems) = Read(codes, categories, status, lastEventId, lastEventIdHeader, gazetteer);
        if (problems.Count > 0) return QueryChecks.Invalid(problems);
        return new EventStreamResult(filter!, after);
    }

    /// <summary>What a stream request asks for, or every problem with it; shared by both ways in (<see cref="StreamConnections"/>).</summary>
    public static (StreamFilter? Filter, long? After, List<Problem> Problems) Read(string? codes, string? categories, string? status,
        string? lastEventId, string? lastEventIdHeader, Gazetteer gazetteer)
    {
        var problems = new List<Problem>();
        void Wrong(string name, string path, string ja, string en) => problems.Add(new Problem($"request.{name}", path, null, null, ja, en));

        var areas = new List<Area>();
        foreach (var code in List(codes))
        {
            if (!LocalGovernmentCode.TryParse(code, out var parsed, out var error)) problems.Add(new Problem(error.Code, "?codes", null, null, error.Ja, error.En));
            else if (gazetteer.Find(parsed) is { } area) areas.Add(area);
            else
                problems.Add(new Problem("code.unknown", "?codes", null, null,
                    $"地方公共団体コード「{code}」に該当する地域がありません（境界データは 2021-01-01 時点）。",
                    $"No area has local government code '{code}' (boundaries as of 2021-01-01)."));
        }
        var categoryBits = 0;
        foreach (var name in List(categories))
        {
            var index = Array.IndexOf(NoticeCap.Categories, name.ToLowerInvariant());
            if (index >= 0) categoryBits |= 1 << index;
            else
                Wrong("query.categories", "?categories", $"分類「{name}」はありません。{string.Join("、", NoticeCap.Categories)} から選んでください。",
                    $"There is no category '{name}'; choose from {string.Join(", ", NoticeCap.Categories)}.");
        }
        var mode = status is null ? "Actual" : Statuses.FirstOrDefault(s => s.Equals(status, StringComparison.OrdinalIgnoreCase));
        if (mode is null) Wrong("query.status", "?status", "?status= は Actual、Exercise、Test のいずれかです。", "?status= is Actual, Exercise or Test.");
        // A browser reconnecting sends the header with the id it last saw; the query keeps the id the page first asked for.
        long? after = null;
        if (lastEventIdHeader is not null) after = EventId(lastEventIdHeader, "header.last-event-id", "Last-Event-ID");
        else if (lastEventId is not null) after = EventId(lastEventId, "query.lastEventId", "?lastEventId");
        long? EventId(string text, string name, string path)
        {
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return id;
            Wrong(name, path, $"{path} はこのストリームで受け取ったイベントの id（0 以上の整数）です。",
                $"{path} is the id of an event this stream sent (a whole number, 0 or more).");
            return null;
        }
        return problems.Count > 0 ? (null, null, problems) : (new StreamFilter(areas.ToArray(), categoryBits, mode!), after, problems);
    }

    private static string[] List(string? text) => (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// The open stream: replay what came after the client's last id, then live events, heartbeats in between. While
    /// it waits, a connection holds its <see cref="StreamClient"/> and this loop, nothing else of its own: each frame
    /// is written straight into Kestrel's pipe and flushed, and the pipe gives its buffer back once sent.
    /// </summary>
    public sealed class EventStreamResult(StreamFilter filter, long? after) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var hub = httpContext.RequestServices.GetRequiredService<StreamHub>();
            var ct = httpContext.RequestAborted;
            await hub.Ready.WaitAsync(ct);

            var response = httpContext.Response;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no"; // a proxy in front must pass each event on at once
            httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await RunAsync(hub, response.BodyWriter, filter, after, ct);
        }

        /// <summary>
        /// The stream after its response head, whichever way it came in: replay from the client's last id, then live
        /// events and heartbeats until the client goes (<paramref name="ct"/>) or the hub closes it.
        /// </summary>
        public static async Task RunAsync(StreamHub hub, PipeWriter body, StreamFilter filter, long? after, CancellationToken ct)
        {
            // Registered before the replay is read, so nothing accepted meanwhile falls between the two: the replay
            // ends where the queue begins, and neither repeats the other.
            var client = new StreamClient(filter, hub.Options.Backlog);
            // An id beyond the whole log is not one of its events (a client of a database since restored, or a made-up
            // id): the client is told to reload, as one from before what the log keeps is, rather than waiting for it.
            var unknown = after is { } ahead && ahead > hub.Sent && ahead > await hub.Log.LastAsync(ct);
            var liveFrom = hub.Register(client, unknown ? 0 : after ?? 0);
            // One registration for the whole stream (not one per wait): a client going away ends the wait below.
            using var aborted = ct.UnsafeRegister(static c => ((StreamClient)c!).Close(), client);
            try
            {
                await body.WriteAsync(hub.RetryFrame, ct);
                if (after is { } from)
                {
                    // What came after its id is no longer kept, or was never in this log: the client reloads what is in force and goes on from here.
                    if (unknown || from < await hub.Log.PrunedUpToAsync(ct)) await body.WriteAsync(Reset(liveFrom), ct);
                    else await ReplayAsync(hub, body, filter, from, liveFrom, ct);
                }

                // Each frame goes to the pipe as it is (not copied into memory asked of the writer, which Kestrel
                // would keep a reference to until the next write), and the pipe returns its block once sent.
                while (await client.WaitToReadAsync())
                    while (client.TryRead(out var e)) await body.WriteAsync(e.Frame, ct);
                if (client.TooFarBehind)
                    await body.WriteAsync(TooFarBehind, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The client went away.
            }
            finally
            {
                hub.Unregister(client);
            }
        }

        /// <summary>The reset frame: its id is where the stream goes on from, so a later reconnect resumes from there.</summary>
        private static byte[] Reset(long liveFrom) => Encoding.UTF8.GetBytes(
            $"id: {liveFrom.ToString(CultureInfo.InvariantCulture)}\nevent: reset\ndata: " + System.Text.Json.JsonSerializer.Serialize(new
            {
                reason = "The events since the last id this client saw are no longer kept, or that id is not one of this log's; reload the notices in force, then go on with this stream.",
                reasonJa = "前回受信した以降のイベントは保存期間を過ぎたか、そのIDはこのログのものではありません。発令中の情報を読み直してから、このストリームの続きを受け取ってください。",
                inForce = "/api/v1/alerts",
            }, StreamLog.Json) + "\n\n");

        private static readonly ReadOnlyMemory<byte> TooFarBehind = ": too far behind; reconnect with Last-Event-ID\n\n"u8.ToArray();

        /// <summary>A method of its own, so the waiting loop does not carry the replay's state.</summary>
        private static async Task ReplayAsync(StreamHub hub, PipeWriter body, StreamFilter filter, long from, long upTo, CancellationToken ct)
        {
            // Flushed frame by frame: a long replay waits for the client instead of piling up in the pipe.
            await foreach (var e in hub.ReplayAsync(from, upTo, filter, ct))
                await body.WriteAsync(e.Frame, ct);
        }
    }
}
