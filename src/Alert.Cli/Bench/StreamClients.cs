using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Alert.Cli.Bench;

/// <summary>
/// Many open <c>GET /api/v1/stream</c> connections on raw sockets, each a few KiB here: an HttpClient per connection
/// would cost the benchmark more memory than the hub it measures. Each connection notes when it first sees an event
/// about a document (the <c>"id":"…"</c> at the head of the event's data), on <see cref="Stopwatch"/> time.
/// Chunked transfer framing is not parsed: the marker is searched across reads, which holds as the hub writes each
/// event in one chunk.
/// </summary>
public sealed class StreamClients(IPEndPoint hub, string host, string pathAndQuery, Arrivals arrivals) : IAsyncDisposable
{
    private static readonly byte[] Marker = "\"id\":\""u8.ToArray();
    private static readonly byte[] Ready = "retry:"u8.ToArray();
    private const int IdLength = 64; // longer than any document id the hub makes; the closing quote ends it

    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _readers = [];
    private readonly CancellationTokenSource _stop = new();

    public int Count { get { lock (_sockets) return _sockets.Count; } }

    /// <summary>Opens up to <paramref name="count"/> streams, <paramref name="parallel"/> at a time; each counts once the hub's <c>retry:</c> line came.
    /// Stops at the first failure (out of descriptors or ports, refused) and returns it.</summary>
    public async Task<Exception?> ConnectAsync(int count, int parallel, IProgress<int>? progress = null)
    {
        Exception? failure = null;
        using var slots = new SemaphoreSlim(parallel);
        var pending = new List<Task>();
        for (var i = 0; i < count && Volatile.Read(ref failure) is null; i++)
        {
            await slots.WaitAsync();
            pending.Add(Task.Run(async () =>
            {
                try { await OpenAsync(); }
                catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); }
                finally { slots.Release(); }
                if (Count % 500 == 0) progress?.Report(Count);
            }));
        }
        await Task.WhenAll(pending);
        return failure;
    }

    private async Task OpenAsync()
    {
        var socket = new Socket(hub.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(hub, timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {pathAndQuery} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n"), timeout.Token);
            var buffer = new byte[1024];
            var filled = 0;
            while (buffer.AsSpan(0, filled).IndexOf(Ready) < 0)
            {
                if (filled == buffer.Length) throw new InvalidDataException("no retry: line in the stream's first KiB");
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), timeout.Token);
                if (read == 0) throw new InvalidDataException($"the hub closed the stream: {Encoding.ASCII.GetString(buffer, 0, filled)}");
                filled += read;
            }
            if (!buffer.AsSpan(0, filled).StartsWith("HTTP/1.1 200"u8))
                throw new InvalidDataException($"the stream was refused: {Encoding.ASCII.GetString(buffer, 0, filled).Split('\r')[0]}");
            lock (_sockets)
            {
                _sockets.Add(socket);
                _readers.Add(ReadAsync(socket, buffer));
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads until the stream ends, noting each document's first event; the buffer keeps a marker's tail across reads.</summary>
    private async Task ReadAsync(Socket socket, byte[] buffer)
    {
        string? last = null;
        var kept = 0;
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(kept), _stop.Token);
                if (read == 0) return;
                var at = Stopwatch.GetTimestamp();
                var span = buffer.AsSpan(0, kept + read);
                var consumed = 0;
                while (true)
                {
                    var found = span[consumed..].IndexOf(Marker);
                    if (found < 0) break;
                    var start = consumed + found + Marker.Length;
                    var end = span[start..].IndexOf((byte)'"');
                    if (end < 0) { consumed += found; goto keep; } // the id runs on in the next read
                    var id = Encoding.ASCII.GetString(span.Slice(start, end));
                    if (id != last) arrivals.Add(id, at); // one event per document and connection here
                    last = id;
                    consumed = start + end;
                }
                consumed = Math.Max(consumed, span.Length - Marker.Length);
            keep:
                kept = span.Length - consumed;
                if (kept > IdLength + Marker.Length) kept = 0; // no id is that long: drop it
                span.Slice(span.Length - kept).CopyTo(buffer);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        lock (_sockets)
        {
            foreach (var socket in _sockets) socket.Dispose();
        }
        await Task.WhenAll(_readers);
        _stop.Dispose();
    }
}

/// <summary>When each receiver first got each document, on <see cref="Stopwatch"/> time; waits for all receivers.</summary>
public sealed class Arrivals
{
    private readonly Dictionary<string, List<long>> _byDocument = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _expected = new(StringComparer.Ordinal);

    private long _total;

    /// <summary>Arrivals so far, of all documents.</summary>
    public long Total => Interlocked.Read(ref _total);

    public void Add(string document, long timestamp)
    {
        TaskCompletionSource? done = null;
        Interlocked.Increment(ref _total);
        lock (_byDocument)
        {
            if (!_byDocument.TryGetValue(document, out var times)) _byDocument[document] = times = [];
            times.Add(timestamp);
            if (_expected.TryGetValue(document, out var expected) && times.Count >= expected) _waiting.Remove(document, out done);
        }
        done?.TrySetResult();
    }

    /// <summary>The arrival times once <paramref name="expected"/> receivers have the document, or what came by the timeout.</summary>
    public async Task<IReadOnlyList<long>> WaitAsync(string document, int expected, TimeSpan timeout)
    {
        Task wait;
        lock (_byDocument)
        {
            if (expected == 0 || (_byDocument.TryGetValue(document, out var times) && times.Count >= expected)) return Times(document);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[document] = done;
            _expected[document] = expected;
            wait = done.Task;
        }
        await Task.WhenAny(wait, Task.Delay(timeout));
        lock (_byDocument) return Times(document);
    }

    /// <summary>The arrival times of a document so far.</summary>
    public IReadOnlyList<long> Of(string document)
    {
        lock (_byDocument) return Times(document);
    }

    private List<long> Times(string document) => _byDocument.TryGetValue(document, out var times) ? [.. times] : [];
}
