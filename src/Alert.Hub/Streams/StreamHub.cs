using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Tasks.Sources;
using Alert.Geo;
using Alert.Hub.Alerts;
using Alert.Hub.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Streams;

/// <summary>The "Alert:Streams" section; tests shorten the heartbeat.</summary>
public sealed class StreamOptions
{
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>The <c>retry:</c> hint: how long a client waits before reconnecting.</summary>
    public TimeSpan Retry { get; set; } = TimeSpan.FromSeconds(3);
    /// <summary>Events queued for one connection; a client further behind is disconnected and resumes with Last-Event-ID.</summary>
    public int Backlog { get; set; } = 64;
    /// <summary>How often the log is read when no bus message says it changed (a safety net).</summary>
    public TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>What one connection asked for: areas (none: all of Japan), category bits (0: all) and one mode.</summary>
public sealed record StreamFilter(IReadOnlyList<Area> Areas, int Categories, string Status)
{
    /// <summary>
    /// Asked of every open stream for every event (10,000 streams, 2,000 notices in a burst: 20 million times), so
    /// written as plain loops over the event's few parts: no closures, no enumerators, one set lookup per pair.
    /// </summary>
    public bool Wants(StreamEvent e)
    {
        if (e.Category == 0) return true;
        if (e.Status != Status || (Categories != 0 && (Categories & e.Category) == 0)) return false;
        if (Areas.Count == 0) return true;
        for (var i = 0; i < Areas.Count; i++)
            foreach (var part in e.Parts)
                if (Areas[i].HasPart(part)) return true;
        return false;
    }
}

/// <summary>
/// One open stream: its filter and a small queue of frames not yet written, the only memory a connection holds
/// here. Made to be small, as there may be tens of thousands: one lock, a queue that grows only while the
/// connection is behind, and one reusable wait instead of a channel's reader, writer and their waiting operations
/// (about 0.7 KB a connection). One reader: the connection's own loop.
/// </summary>
public sealed class StreamClient(StreamFilter filter, int backlog) : IValueTaskSource<bool>
{
    private readonly Queue<StreamEvent> _queue = new();
    private ManualResetValueTaskSourceCore<bool> _wait = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;
    private bool _closed;

    public StreamFilter Filter { get; } = filter;
    /// <summary>Live events up to this sequence number come from the replay, not the queue.</summary>
    public long LiveFrom { get; set; }
    public bool TooFarBehind { get; private set; }

    /// <summary>Queues a frame; a client already <paramref name="backlog"/> behind is closed instead, after what it holds.</summary>
    public void Offer(StreamEvent e)
    {
        lock (_queue)
        {
            if (_closed) return;
            if (_queue.Count < backlog) _queue.Enqueue(e);
            else _closed = TooFarBehind = true;
            Signal(true);
        }
    }

    /// <summary>Ends the stream after the frames it already holds.</summary>
    public void Close()
    {
        lock (_queue)
        {
            _closed = true;
            Signal(false);
        }
    }

    public bool TryRead([MaybeNullWhen(false)] out StreamEvent e)
    {
        lock (_queue) return _queue.TryDequeue(out e);
    }

    /// <summary>True once a frame can be read, false once the stream is closed and nothing is left; one caller at a time.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_queue)
        {
            if (_queue.Count > 0) return new(true);
            if (_closed) return new(false);
            _wait.Reset();
            _waiting = true;
            return new(this, _wait.Version);
        }
    }

    private void Signal(bool result)
    {
        if (!_waiting) return;
        _waiting = false;
        _wait.SetResult(result || _queue.Count > 0);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);
}

/// <summary>
/// Feeds every open stream on this hub. Each hub tails the outbox itself, in id order, rather than taking the
/// events from the bus: replay has to read the database anyway, so live and replayed events are the same rows with
/// the same ids, and no relay's order or repeat can reorder or double them. The bus only says "look now": each hub
/// listens for NoticeAccepted on its own temporary queue (not the shared, competing one), so a notice accepted by
/// any hub reaches every hub's clients at once; a poll covers a missed message. Before events go out, this hub's
/// index of alerts in force takes them in: a page that asks "what applies here" on an event gets an answer with it.
/// </summary>
public sealed partial class StreamHub(StreamLog log, ActiveAlerts alerts, IBus bus, IHostApplicationLifetime lifetime, IOptions<StreamOptions> options,
    Metrics.HubMetrics metrics, ILogger<StreamHub> logger) : BackgroundService
{
    private const int Batch = 200;
    private const int Slice = 256;
    /// <summary>Heartbeats are in no hurry: a pause between slices lets each slice's sends finish (10,000 streams: 0.4 s).</summary>
    private static readonly TimeSpan HeartbeatPause = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentDictionary<StreamClient, byte> _clients = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _sent;
    private DateTimeOffset _expiredUpTo;

    public StreamOptions Options => options.Value;
    public StreamLog Log => log;

    /// <summary>The <c>retry:</c> hint every stream starts with, made once.</summary>
    public ReadOnlyMemory<byte> RetryFrame { get; } = System.Text.Encoding.UTF8.GetBytes($"retry: {(long)options.Value.Retry.TotalMilliseconds}\n\n");
    public int Count => _clients.Count;

    /// <summary>Completes once the hub knows where the log stands; streams wait for it.</summary>
    public Task Ready => _ready.Task;

    /// <summary>How far this hub's tail has read the log.</summary>
    public long Sent
    {
        get { lock (_gate) return _sent; }
    }

    /// <summary>
    /// Adds a connection. Live events after the returned sequence number reach its queue; the rest is replay. A client
    /// resuming from beyond this hub's tail (it was streaming from another hub, further on) has had the events up to
    /// its id, so the live part starts there: from this hub's tail they would come to it a second time.
    /// </summary>
    public long Register(StreamClient client, long resumeFrom = 0)
    {
        lock (_gate)
        {
            client.LiveFrom = Math.Max(_sent, resumeFrom);
            _clients[client] = 0;
            return client.LiveFrom;
        }
    }

    public void Unregister(StreamClient client) => _clients.TryRemove(client, out _);

    /// <summary>Events in (after, upTo] that the client wants, read from the database in pages.</summary>
    public async IAsyncEnumerable<StreamEvent> ReplayAsync(long after, long upTo, StreamFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (after < upTo)
        {
            var page = await log.ReadAsync(after, upTo, Batch, ct);
            if (page.Count == 0) yield break;
            foreach (var e in page.Where(filter.Wants)) yield return e;
            after = page[^1].Sequence!.Value;
        }
    }

    public void Wake()
    {
        try { _wake.Release(); } catch (SemaphoreFullException) { } // one pending look covers every change before it
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Shut streams before the server drains its requests, so a stopping hub is not held by open connections.
        using var stopping = lifetime.ApplicationStopping.Register(() => { foreach (var client in _clients.Keys) client.Close(); });
        while (!_ready.Task.IsCompleted)
        {
            try
            {
                _sent = await log.LastAsync(stoppingToken);
                _expiredUpTo = DateTimeOffset.UtcNow;
                _ready.TrySetResult();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
                await Task.Delay(options.Value.Poll, stoppingToken);
            }
        }

        // Temporary: a queue of this hub's own, deleted when it disconnects; outside ConfigureEndpoints, so it is
        // not made a quorum queue (those are durable and shared).
        var wake = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition("stream"), KebabCaseEndpointNameFormatter.Instance,
            e => e.Handler<NoticeAccepted>(_ => { Wake(); return Task.CompletedTask; }));
        var heartbeat = HeartbeatAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await TailAsync(stoppingToken);
                    await ExpireAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The database may be away: streams stay open on heartbeats and catch up when it is back.
                    LogFailed(logger, ex);
                }
                await _wake.WaitAsync(options.Value.Poll, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await heartbeat;
            await wake.StopAsync(CancellationToken.None);
        }
    }

    private async Task TailAsync(CancellationToken ct)
    {
        List<StreamEvent> page;
        do
        {
            page = await log.ReadAsync(_sent, long.MaxValue, Batch, ct);
            if (page.Count > 0) await alerts.RefreshAsync(ct);
            foreach (var e in page)
            {
                lock (_gate) _sent = e.Sequence!.Value;
                var offered = 0;
                foreach (var client in _clients.Keys)
                    if (e.Sequence > client.LiveFrom && client.Filter.Wants(e))
                    {
                        client.Offer(e);
                        offered++;
                    }
                metrics.StreamEvents.Add(offered);
            }
        } while (page.Count == Batch);
    }

    /// <summary>
    /// Tells clients when a notice's expiry passes. Not in the log: a resuming client reads <c>expires</c> itself.
    /// Looked for once a <see cref="StreamOptions.Poll"/>, not at every wake: under load the hub is woken once per
    /// accepted notice, and the search for expiries (a join of the documents in force with their revisions) then cost
    /// the database more than the rest of intake. An expiry is told at most a poll late, as when nothing wakes the hub.
    /// </summary>
    private async Task ExpireAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        if (now - _expiredUpTo < options.Value.Poll) return;
        foreach (var e in await log.ExpiredAsync(_expiredUpTo, now, ct))
            foreach (var client in _clients.Keys)
                if (client.Filter.Wants(e)) client.Offer(e);
        _expiredUpTo = now;
    }

    /// <summary>One timer for every stream: a connection holds no timer of its own.</summary>
    private async Task HeartbeatAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.Value.Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                await BeatAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Offers a heartbeat to every client, <see cref="Slice"/> at a time with a pause between slices. Each client woken
    /// writes the frame to its connection, and Kestrel takes a 4 KiB block from its pool for it until the socket has
    /// sent it. Waking every client at once queued all their writes ahead of Kestrel's sends, so every connection held
    /// a block at the same moment, and the pool keeps what it once needed (it gives back 1–5 % every 10 s): one
    /// heartbeat to 10,000 streams grew it to ~40 MiB. In paced slices the sends of one slice are done before the
    /// next is woken and the pool stays at 1–2 MiB. Notices and expiries still go to every client at once: they
    /// are rare and their last receipt counts, and slices that wait behind the rest of the hub's work (webhooks)
    /// delayed it.
    /// </summary>
    private async Task BeatAsync()
    {
        var woken = 0;
        foreach (var (client, _) in _clients)
        {
            client.Offer(StreamEvent.Heartbeat);
            if (++woken % Slice == 0) await Task.Delay(HeartbeatPause);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Streams could not read the event log; trying again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
