using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Cli.Sink;

namespace Alert.Fault.Tests.Support;

/// <summary>
/// Webhook receivers as broadcasters run them: one real HTTP server on 127.0.0.1 (WebhookSink) with a hook per
/// subscriber, each subscribed through the admin API. Every POST is counted by its Idempotency-Key
/// (<c>{document}.{revision}.{subscriber}</c>), as a receiver that dedupes by it would see them.
/// </summary>
public sealed class Receivers : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _subscriberOfHook = [];
    private long _posts;
    private long _misrouted;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Receivers(WebhookSink sink) => Sink = sink;

    public WebhookSink Sink { get; }

    /// <summary>The subscribers' ids, one per hook.</summary>
    public IReadOnlyCollection<string> SubscriberIds => _subscriberOfHook.Values;

    /// <summary>Every POST received (repeats included).</summary>
    public long Posts => Interlocked.Read(ref _posts);

    /// <summary>Distinct idempotency keys received.</summary>
    public int Distinct => _keys.Count;

    /// <summary>POSTs whose key named another subscriber than the hook's (never expected).</summary>
    public long Misrouted => Interlocked.Read(ref _misrouted);

    public IReadOnlyDictionary<string, int> Keys => _keys;

    public static async Task<Receivers> StartAsync(Uri hub, string adminKey, int count, string areaCode)
    {
        var receivers = new Receivers(await WebhookSink.StartAsync());
        receivers.Sink.Received += receivers.Count;
        using var http = new HttpClient { BaseAddress = hub, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        for (var i = 0; i < count; i++)
        {
            var hook = $"r{i:D2}";
            using var answer = await http.PostAsJsonAsync("/api/v1/subscribers",
                new { name = $"fault receiver {hook}", kind = "broadcaster", url = receivers.Sink.Url(hook), areaCodes = new[] { areaCode } });
            if (!answer.IsSuccessStatusCode) throw new InvalidOperationException($"subscribing {hook}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
            receivers._subscriberOfHook[hook] = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        return receivers;
    }

    private void Count(Receipt receipt)
    {
        Interlocked.Increment(ref _posts);
        if (!_subscriberOfHook.TryGetValue(receipt.Path, out var subscriber) || !receipt.IdempotencyKey.EndsWith("." + subscriber, StringComparison.Ordinal))
            Interlocked.Increment(ref _misrouted);
        _keys.AddOrUpdate(receipt.IdempotencyKey, 1, (_, n) => n + 1);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Waits until <paramref name="done"/> holds, woken by each receipt (and every half second); false at the deadline.</summary>
    public async Task<bool> WaitAsync(Func<bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var changed = _changed.Task;
            if (done()) return true;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            await Task.WhenAny(changed, Task.Delay(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Sink.Received -= Count;
        await Sink.DisposeAsync();
    }
}
