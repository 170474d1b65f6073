using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Alert.Geo;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace Alert.Hub.Streams;

/// <summary>
/// The short way in for streams, at the connection. Most of what an open stream costs is not the stream's: Kestrel's
/// HTTP/1.1 connection (parser, request and response headers, body streams) and ASP.NET Core's request (context,
/// features, service scope) stay allocated for the hours a stream is open, about 11 KB of its 13.5. So a connection
/// whose first request is a plain, valid <c>GET /api/v1/stream</c> is answered here, on the socket's own pipes, by
/// the same loop as <see cref="StreamsApi.EventStreamResult"/>; its response ends with the connection
/// (<c>Connection: close</c>, no chunking), which a stream's does anyway. Everything else — other paths, a request
/// with a problem (answered 400 with every problem, as always), HTTP/1.0, a body, TLS, a stream asked for on a
/// connection already used — goes on, unread, to Kestrel's HTTP and the endpoint.
/// </summary>
public static class StreamConnections
{
    private const int MaxHead = 8 * 1024;
    private static readonly byte[] Prefix = "GET /api/v1/stream"u8.ToArray();
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    private static readonly byte[] Ok = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n" +
        "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n");

    /// <summary>In front of every endpoint Kestrel listens on (those from <c>--urls</c> too).</summary>
    public static void UseStreamConnections(this KestrelServerOptions kestrel) =>
        kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Use(next =>
        {
            // Once per endpoint when the server starts, not per connection.
            var services = endpoint.ApplicationServices;
            var (hub, gazetteer) = (services.GetRequiredService<StreamHub>(), services.GetRequiredService<Gazetteer>());
            return connection => HandleAsync(connection, next, hub, gazetteer, kestrel.Limits.RequestHeadersTimeout);
        }));

    private static async Task HandleAsync(ConnectionContext connection, ConnectionDelegate next, StreamHub hub, Gazetteer gazetteer, TimeSpan headWait)
    {
        var request = await ReadHeadAsync(connection.Transport.Input, gazetteer, headWait, connection.ConnectionClosed);
        if (request is not { } asked)
        {
            await next(connection);
            return;
        }
        var ct = connection.ConnectionClosed;
        var output = connection.Transport.Output;
        try
        {
            await hub.Ready.WaitAsync(ct);
            await output.WriteAsync(Ok, ct);
            await StreamsApi.EventStreamResult.RunAsync(hub, output, asked.Filter, asked.After, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away before the stream began.
        }
    }

    /// <summary>
    /// Reads the first request's head if it may be a stream's. Returns what it asks for when it is one this path
    /// answers (the head consumed), else null with nothing consumed, so the HTTP layer reads it all as it came.
    /// </summary>
    internal static async Task<(StreamFilter Filter, long? After)?> ReadHeadAsync(PipeReader input, Gazetteer gazetteer, TimeSpan wait,
        CancellationToken closed)
    {
        // A connection that says nothing is Kestrel's to time out, by its own rules: wait no longer than its limit on a head.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(closed);
        timeout.CancelAfter(wait);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            var buffer = read.Buffer;
            // The first bytes decide for most connections; only a possible stream's head is copied whole.
            var start = buffer.Slice(0, Math.Min(buffer.Length, Prefix.Length)).ToArray();
            var mayBe = start.AsSpan().SequenceEqual(Prefix.AsSpan(0, start.Length));
            var head = !mayBe ? start : buffer.Length <= MaxHead ? buffer.ToArray() : buffer.Slice(0, MaxHead).ToArray();
            var end = mayBe ? head.AsSpan().IndexOf(HeadEnd) : -1;
            if (mayBe && end < 0 && !read.IsCompleted && head.Length < MaxHead)
            {
                input.AdvanceTo(buffer.Start, buffer.End); // all of it seen: wait for more
                continue;
            }
            // Only a head with nothing after it: a pipelined request behind it is the HTTP layer's to answer.
            var asked = mayBe && end >= 0 && end + HeadEnd.Length == buffer.Length
                ? Parse(Encoding.ASCII.GetString(head, 0, end), gazetteer)
                : null;
            // Not taken: nothing consumed and the examined mark set back to the start, so the HTTP layer's first read
            // returns at once with every byte, even when earlier pieces had been examined while waiting for more.
            input.AdvanceTo(asked is null ? buffer.Start : buffer.End);
            return asked;
        }
    }

    /// <summary>A request line and headers this path answers, or null for the HTTP layer.</summary>
    private static (StreamFilter Filter, long? After)? Parse(string head, Gazetteer gazetteer)
    {
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ');
        if (parts is not ["GET", var target, "HTTP/1.1"]) return null;
        var question = target.IndexOf('?');
        var path = question < 0 ? target : target[..question];
        if (path is not ("/api/v1/stream" or "/api/v1/stream/")) return null;

        string? lastEventId = null;
        var host = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || line[0] is ' ' or '\t') return null; // malformed or folded: Kestrel says what is wrong
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) host = true;
            else if (name.Equals("Last-Event-ID", StringComparison.OrdinalIgnoreCase))
            {
                if (lastEventId is not null) return null;
                lastEventId = value;
            }
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && value != "0") return null;
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)) return null;
        }
        if (!host) return null;

        var query = QueryHelpers.ParseQuery(question < 0 ? null : target[question..]);
        if (query.Values.Any(v => v.Count > 1)) return null;
        string? Get(string key) => query.TryGetValue(key, out var v) ? v.ToString() : null;
        var (filter, after, problems) = StreamsApi.Read(Get("codes"), Get("categories"), Get("status"), Get("lastEventId"), lastEventId, gazetteer);
        return problems.Count > 0 ? null : (filter!, after);
    }
}
