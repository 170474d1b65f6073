using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Alert.Geo;
using Alert.Hub.Streams;
using Alert.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Alert.Hub.Tests;

/// <summary>
/// Streams answered at the connection: a fresh connection whose first request is a valid stream request is served on
/// the socket's own pipes; anything else on it (a used connection, a request with problems, another path) reaches the
/// HTTP layer exactly as sent. Raw sockets, so the test sees which way was taken.
/// </summary>
public sealed class StreamConnectionsTests(StreamingHub hub) : IClassFixture<StreamingHub>
{
    /// <summary>One TCP connection to the hub and everything it has received, read in the background.</summary>
    private sealed class Connection : IAsyncDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        private readonly MemoryStream _received = new();
        private Task _reading = Task.CompletedTask;

        public static async Task<Connection> OpenAsync(Uri hub)
        {
            var connection = new Connection();
            await connection._socket.ConnectAsync(IPAddress.Loopback, hub.Port);
            connection._reading = connection.ReadAsync();
            return connection;
        }

        private async Task ReadAsync()
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await _socket.ReceiveAsync(buffer)) > 0)
                lock (_received) _received.Write(buffer, 0, read);
        }

        public bool Closed => _reading.IsCompleted;

        public string Text
        {
            get { lock (_received) return Encoding.UTF8.GetString(_received.GetBuffer(), 0, (int)_received.Length); }
        }

        public async Task SendAsync(string text) => await _socket.SendAsync(Encoding.UTF8.GetBytes(text));

        public async Task<string> UntilAsync(Func<string, bool> condition, string what)
        {
            await HubFixture.Eventually(() => Task.FromResult(condition(Text) || Closed), what);
            return condition(Text) ? Text : throw new InvalidOperationException($"the hub closed the connection before {what}: {Text}");
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Dispose();
            try { await _reading; } catch (SocketException) { } catch (ObjectDisposedException) { }
        }
    }

    private static string Get(string target, string headers = "") => $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n";

    private async Task<string> IssueAsync()
    {
        using var response = await hub.PostCapAsync(StreamTests.Order());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_stream_on_a_fresh_connection_is_answered_there_and_gets_its_events()
    {
        await using var connection = await Connection.OpenAsync(hub.Client.BaseAddress!);
        await connection.SendAsync(Get("/api/v1/stream?codes=431001&categories=evacuation"));
        var head = await connection.UntilAsync(t => t.Contains("retry: 3000\n\n", StringComparison.Ordinal), "the retry hint");

        head.ShouldStartWith("HTTP/1.1 200 OK\r\n");
        head.ShouldContain("Content-Type: text/event-stream; charset=utf-8\r\n");
        head.ShouldContain("Connection: close\r\n");
        head.ShouldNotContain("Transfer-Encoding");
        var id = await IssueAsync();
        var text = await connection.UntilAsync(t => t.Contains(id, StringComparison.Ordinal), "the notice");
        text.ShouldContain("event: notice\n");
    }

    [Fact]
    public async Task A_stream_asked_for_on_a_used_connection_goes_through_the_endpoint()
    {
        await using var connection = await Connection.OpenAsync(hub.Client.BaseAddress!);
        await connection.SendAsync(Get("/api/v1/areas/431001"));
        await connection.UntilAsync(t => t.Contains("熊本市", StringComparison.Ordinal) && (t.EndsWith('}') || t.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal)), "the first answer");

        await connection.SendAsync(Get("/api/v1/stream?codes=431001"));
        var text = await connection.UntilAsync(t => t.Contains("retry: 3000\n\n", StringComparison.Ordinal), "the retry hint");
        var second = text[text.LastIndexOf("HTTP/1.1 ", StringComparison.Ordinal)..];
        second.ShouldStartWith("HTTP/1.1 200 OK\r\n");
        second.ShouldContain("Transfer-Encoding: chunked\r\n");
        var id = await IssueAsync();
        await connection.UntilAsync(t => t.Contains(id, StringComparison.Ordinal), "the notice");
    }

    [Theory]
    [InlineData("/api/v1/stream?codes=99&status=Live", "request.invalid")]
    [InlineData("/api/v1/streams", "")]
    public async Task Anything_else_on_a_fresh_connection_gets_the_answer_of_the_http_layer(string target, string code)
    {
        await using var connection = await Connection.OpenAsync(hub.Client.BaseAddress!);
        await connection.SendAsync(Get(target));
        var text = await connection.UntilAsync(t => t.Contains("\r\n\r\n", StringComparison.Ordinal) && (code.Length == 0 || t.Contains(code, StringComparison.Ordinal)),
            "the answer");

        text.ShouldStartWith(code.Length > 0 ? "HTTP/1.1 400 Bad Request\r\n" : "HTTP/1.1 404 Not Found\r\n");
        if (code.Length > 0) text.ShouldContain("Content-Type: application/problem+json");
    }

    [Fact]
    public async Task A_client_that_goes_is_let_go()
    {
        var streams = hub.Services.GetRequiredService<StreamHub>();
        var before = streams.Count;
        var connection = await Connection.OpenAsync(hub.Client.BaseAddress!);
        await connection.SendAsync(Get("/api/v1/stream"));
        await connection.UntilAsync(t => t.Contains("retry: 3000\n\n", StringComparison.Ordinal), "the retry hint");
        streams.Count.ShouldBe(before + 1);

        await connection.DisposeAsync();
        await HubFixture.Eventually(() => Task.FromResult(streams.Count == before), "the stream let go");
    }

    [Fact]
    public async Task A_head_that_comes_in_pieces_is_read_whole_and_one_that_is_not_a_streams_is_left_unread()
    {
        var gazetteer = hub.Services.GetRequiredService<Gazetteer>();
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("GET /api/v1/str"u8.ToArray());
        var reading = StreamConnections.ReadHeadAsync(pipe.Reader, gazetteer, TimeSpan.FromSeconds(30), CancellationToken.None);
        reading.IsCompleted.ShouldBeFalse();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes("eam?codes=431001&status=exercise HTTP/1.1\r\nHost: x\r\nlast-event-id: 42\r\n\r\n"));
        var asked = (await reading).ShouldNotBeNull();
        asked.After.ShouldBe(42);
        asked.Filter.Status.ShouldBe("Exercise");
        asked.Filter.Areas.Single().Name.ShouldBe("熊本県熊本市");

        var other = new Pipe();
        var sent = Encoding.ASCII.GetBytes(Get("/api/v1/stream?codes=431001", "Content-Length: 3\r\n") + "abc");
        await other.Writer.WriteAsync(sent);
        (await StreamConnections.ReadHeadAsync(other.Reader, gazetteer, TimeSpan.FromSeconds(30), CancellationToken.None)).ShouldBeNull();
        var left = await other.Reader.ReadAsync();
        left.Buffer.Length.ShouldBe(sent.Length);

        // In pieces and then not one to take (a bad query): all of it is still there for the HTTP layer, at once.
        var bad = new Pipe();
        await bad.Writer.WriteAsync("GET /api/v1/stream?codes=9"u8.ToArray());
        var looking = StreamConnections.ReadHeadAsync(bad.Reader, gazetteer, TimeSpan.FromSeconds(30), CancellationToken.None);
        looking.IsCompleted.ShouldBeFalse();
        await bad.Writer.WriteAsync(Encoding.ASCII.GetBytes("9 HTTP/1.1\r\nHost: x\r\n\r\n"));
        (await looking).ShouldBeNull();
        var again = bad.Reader.ReadAsync();
        again.IsCompleted.ShouldBeTrue();
        (await again).Buffer.Length.ShouldBe("GET /api/v1/stream?codes=99 HTTP/1.1\r\nHost: x\r\n\r\n".Length);
    }
}
