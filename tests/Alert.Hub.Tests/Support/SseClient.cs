using System.Globalization;
using System.Text.Json;

namespace Alert.Hub.Tests.Support;

/// <summary>One server-sent event as a client sees it; <see cref="Data"/> is the JSON payload.</summary>
public sealed record SseEvent(string? Id, string Type, JsonElement Data)
{
    public string? DocumentId => Data.TryGetProperty("id", out var id) ? id.GetString() : null;
}

/// <summary>
/// A minimal EventSource: opens /api/v1/stream and reads events, comments (heartbeats) and the retry hint in the
/// background, so a test can wait for a condition on what arrived.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<SseEvent> _events = [];
    private readonly Task _reading;
    private int _heartbeats;

    private readonly HttpClient? _own;

    private SseClient(HttpResponseMessage response, HttpClient? own)
    {
        _response = response;
        _own = own;
        _reading = ReadAsync();
    }

    public int Heartbeats => Volatile.Read(ref _heartbeats);
    public long? Retry { get; private set; }
    public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

    /// <summary>
    /// Opens a stream. On a hub listening on a port, each stream gets a connection of its own, as an app's usually
    /// is, so the hub answers it at the connection (<see cref="Streams.StreamConnections"/>); through the in-process
    /// test server it goes through the endpoint.
    /// </summary>
    public static async Task<SseClient> OpenAsync(HttpClient client, string query, string? lastEventId = null)
    {
        var own = client.BaseAddress is { Host: not "localhost" } address ? new HttpClient { BaseAddress = address } : null;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/stream" + query);
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        try
        {
            var response = await (own ?? client).SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            return new SseClient(response, own);
        }
        catch
        {
            own?.Dispose();
            throw;
        }
    }

    /// <summary>Whether the hub answered at the connection (<c>Connection: close</c>, the body until it ends) or through the endpoint (chunked).</summary>
    public bool AtTheConnection => _response.Headers.ConnectionClose == true && _response.Headers.TransferEncodingChunked != true;

    /// <summary>Waits until an event satisfies <paramref name="until"/>; returns every event up to and including it.</summary>
    public async Task<List<SseEvent>> WaitForAsync(Func<SseEvent, bool> until, TimeSpan? timeout = null)
    {
        List<SseEvent> Upto()
        {
            lock (_events)
            {
                var at = _events.FindIndex(e => until(e));
                return at < 0 ? [] : _events[..(at + 1)];
            }
        }
        await HubFixture.Eventually(() => Task.FromResult(Upto().Count > 0 || _reading.IsCompleted), "a stream event", timeout);
        var events = Upto();
        if (events.Count == 0) throw new InvalidOperationException("the stream ended before the event came", _reading.Exception);
        return events;
    }

    private async Task ReadAsync()
    {
        await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
        using var reader = new StreamReader(body);
        string? id = null, type = null, data = null;
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                    lock (_events) _events.Add(new SseEvent(id, type ?? "message", JsonDocument.Parse(data).RootElement.Clone()));
                (id, type, data) = (null, null, null);
            }
            else if (line.StartsWith(':')) Interlocked.Increment(ref _heartbeats);
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            else if (line.StartsWith("retry: ", StringComparison.Ordinal)) Retry = long.Parse(line[7..], CultureInfo.InvariantCulture);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _reading; } catch (OperationCanceledException) { } catch (IOException) { }
        _response.Dispose();
        _own?.Dispose();
        _stop.Dispose();
    }
}
