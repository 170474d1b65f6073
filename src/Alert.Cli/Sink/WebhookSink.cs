using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Alert.Cli.Sink;

/// <summary>What a webhook receiver got: when it answered, on which path, with which idempotency key.</summary>
public sealed record Receipt(string Path, string IdempotencyKey, string ContentType, string Body, DateTimeOffset At)
{
    /// <summary>When the request came in (<see cref="At"/> is when it was answered; a slow hook answers later).</summary>
    public DateTimeOffset Arrived { get; init; }

    /// <summary>The body's bytes as sent (what a signature covers) and the X-Alert-Signature header, if any.</summary>
    public byte[] Bytes { get; init; } = [];

    public string? Signature { get; init; }
}

/// <summary>
/// A real webhook receiver on 127.0.0.1 (Kestrel, port chosen by the OS), as a transmitter would run one:
/// every POST to /hooks/{name} is recorded. Used by `alert sink`, `alert bench` and the hub's tests.
/// </summary>
public sealed class WebhookSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Receipt> _received = new();
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>False for load runs: a receipt per delivery, body and all, would grow the benchmark by gigabytes.</summary>
    private readonly bool _retain;

    private WebhookSink(WebApplication app, bool retain) => (_app, _retain) = (app, retain);

    public string BaseUrl { get; private set; } = "";

    public event Action<Receipt>? Received;

    public static async Task<WebhookSink> StartAsync(int port = 0, bool retain = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var sink = new WebhookSink(builder.Build(), retain);
        sink._app.MapPost("/hooks/{name}", sink.HandleAsync);
        await sink._app.StartAsync();
        sink.BaseUrl = sink._app.Urls.First();
        return sink;
    }

    public string Url(string name) => $"{BaseUrl}/hooks/{name}";

    /// <summary>The next <paramref name="times"/> POSTs to this hook answer 500, as a receiver that is down would.</summary>
    public void FailNext(string name, int times) => _failuresLeft[name] = times;

    /// <summary>Every POST to this hook is answered only after <paramref name="delay"/>, as a slow receiver would.</summary>
    public void SlowDown(string name, TimeSpan delay) => _delays[name] = delay;

    private readonly ConcurrentDictionary<string, TimeSpan> _delays = new();

    public IReadOnlyList<Receipt> For(string name) => _received.Where(r => r.Path == name).ToList();

    /// <summary>Waits until what <paramref name="name"/> received satisfies <paramref name="done"/>; fails after the timeout, saying what came.</summary>
    public async Task<IReadOnlyList<Receipt>> WaitForAsync(string name, Func<IReadOnlyList<Receipt>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var changed = _changed.Task;
            var received = For(name);
            if (done(received)) return received;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"hook {name} did not receive what was expected; it got {received.Count}: {string.Join(", ", received.Select(r => r.IdempotencyKey))}");
            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    /// <summary>
    /// Waits for a revision of one document (its Idempotency-Key starts with the document id). A hook may also get
    /// other documents, fanned out after it subscribed: waiting for "the first receipt" would race with them.
    /// </summary>
    public async Task<Receipt> WaitForDocumentAsync(string name, string documentId, TimeSpan? timeout = null) =>
        (await WaitForAsync(name, r => r.Any(x => x.IdempotencyKey.StartsWith(documentId + ".", StringComparison.Ordinal)), timeout))
            .First(x => x.IdempotencyKey.StartsWith(documentId + ".", StringComparison.Ordinal));

    private async Task<IResult> HandleAsync(string name, HttpRequest request)
    {
        var arrived = DateTimeOffset.UtcNow;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        var body = System.Text.Encoding.UTF8.GetString(bytes);
        if (_delays.TryGetValue(name, out var delay)) await Task.Delay(delay); // the receiver's own slowness, not synchronisation
        // Concurrent requests each take one failure: retry the decrement until it holds or none are left.
        while (_failuresLeft.TryGetValue(name, out var left) && left > 0)
        {
            if (_failuresLeft.TryUpdate(name, left - 1, left)) return Results.StatusCode(StatusCodes.Status500InternalServerError);
        }

        var receipt = new Receipt(name, request.Headers["Idempotency-Key"].ToString(), request.ContentType ?? "", body, DateTimeOffset.UtcNow)
        {
            Arrived = arrived,
            Bytes = bytes,
            Signature = request.Headers["X-Alert-Signature"].FirstOrDefault(),
        };
        if (_retain) _received.Enqueue(receipt);
        Received?.Invoke(receipt);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return Results.Ok();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
