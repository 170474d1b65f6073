using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alert.Core.Cap;

namespace Alert.Fault.Tests.Support;

/// <summary>What became of one notice the desk sent.</summary>
public enum Fate
{
    /// <summary>Not answered yet (or never: the load's deadline passed while no hub answered).</summary>
    Unanswered,

    /// <summary>202: stored, and must reach every receiver.</summary>
    Accepted,

    /// <summary>503: refused, nothing stored; the desk gives this one up, so it must reach no one.</summary>
    Refused,

    /// <summary>Any other answer (500 above all): a failure of the scenario.</summary>
    Failed,
}

public sealed class SentNotice(int index, string identifier, string body)
{
    public int Index { get; } = index;
    public string Identifier { get; } = identifier;
    public string Body { get; } = body;
    public Fate Fate { get; set; }
    public string? DocumentId { get; set; }
    public int Attempts { get; set; }
    public List<string> Answers { get; } = [];
}

/// <summary>
/// A disaster desk sending new evacuation orders (熊本市, one document each) at a steady rate or all at once, as the
/// issuer. A 202 is accepted; a 503 is refused and given up (so it can be checked that nothing of it was stored or
/// sent); a request that got no answer (connection refused or reset, timeout: the hub died or is restarting) is sent
/// again, byte for byte, to the next hub, as a desk would: the hub answers a repeat with the first receipt. Any other
/// status is a failure, a 500 above all.
/// </summary>
public sealed class Load(string run, string issuerKey, Func<int, HubInstance> hubFor, ITestOutputHelper output)
{
    private readonly ConcurrentBag<SentNotice> _notices = [];
    private readonly ConcurrentDictionary<string, int> _statuses = new();
    private long _posts;
    private long _unanswered;
    private long _withoutRetryAfter;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 32, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public IReadOnlyList<SentNotice> Notices => [.. _notices.OrderBy(n => n.Index)];

    public int Sent => _notices.Count;

    public int Accepted => _notices.Count(n => n.Fate == Fate.Accepted);

    public int Refused => _notices.Count(n => n.Fate == Fate.Refused);

    public int Failed => _notices.Count(n => n.Fate == Fate.Failed);

    public int Unanswered => _notices.Count(n => n.Fate == Fate.Unanswered);

    /// <summary>Every POST made, repeats of unanswered ones included.</summary>
    public long Posts => Interlocked.Read(ref _posts);

    /// <summary>POSTs that got no answer at all (and were sent again).</summary>
    public long NoAnswer => Interlocked.Read(ref _unanswered);

    /// <summary>503s without a Retry-After header.</summary>
    public long RefusedWithoutRetryAfter => Interlocked.Read(ref _withoutRetryAfter);

    /// <summary>Answers by status, e.g. 202: 480, 503: 20.</summary>
    public string Statuses => string.Join(", ", _statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {s.Value}"));

    /// <summary>
    /// Sends <paramref name="count"/> notices, <paramref name="perSecond"/> a second (0: as fast as
    /// <paramref name="concurrency"/> requests at a time allow). A notice still unanswered at <paramref name="deadline"/>
    /// stays <see cref="Fate.Unanswered"/>.
    /// </summary>
    public async Task RunAsync(int count, double perSecond, int concurrency, TimeSpan deadline, Func<int, Task>? before = null)
    {
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(concurrency);
        var tasks = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            if (before is not null) await before(i);
            if (perSecond > 0)
            {
                // Pacing the load, not waiting for anything: notice i leaves at i / rate.
                var due = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due);
            }
            await gate.WaitAsync();
            var identifier = $"{run}-{i:D4}";
            var notice = new SentNotice(i, identifier, CapWriter.Write(CapWriter.EvacuationOrder(identifier, "431001", "熊本市", DateTimeOffset.Now)));
            _notices.Add(notice);
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await SendAsync(notice, clock, deadline);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        await Task.WhenAll(tasks);
        output.WriteLine($"[{Clock.Now}] load: {Sent} sent in {clock.Elapsed.TotalSeconds:F1} s; {Accepted} accepted, {Refused} refused, {Failed} failed, {Unanswered} unanswered; {Posts} POSTs ({NoAnswer} without answer); {Statuses}");
    }

    private async Task SendAsync(SentNotice notice, Stopwatch clock, TimeSpan deadline)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 0; clock.Elapsed < deadline; attempt++)
        {
            var hub = hubFor(notice.Index + attempt);
            notice.Attempts++;
            Interlocked.Increment(ref _posts);
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(hub.Url, "/api/v1/notices"))
            {
                Content = new StringContent(notice.Body, Encoding.UTF8, "application/cap+xml"),
            };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", issuerKey);
            try
            {
                using var answer = await Http.SendAsync(post);
                var status = (int)answer.StatusCode;
                _statuses.AddOrUpdate(status.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                notice.Answers.Add($"{hub.Name}: {status}");
                if (answer.StatusCode == HttpStatusCode.Accepted)
                {
                    notice.DocumentId = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
                    notice.Fate = Fate.Accepted;
                }
                else if (answer.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    if (answer.Headers.RetryAfter is null) Interlocked.Increment(ref _withoutRetryAfter);
                    notice.Fate = Fate.Refused;
                }
                else
                {
                    notice.Answers.Add(await answer.Content.ReadAsStringAsync());
                    notice.Fate = Fate.Failed;
                }
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // No answer: the hub is down, restarting or died mid-request (it may have stored the notice). Send it again.
                Interlocked.Increment(ref _unanswered);
                notice.Answers.Add($"{hub.Name}: {e.GetType().Name}");
                await Task.Delay(backoff);
                backoff = TimeSpan.FromMilliseconds(Math.Min(1000, backoff.TotalMilliseconds * 2));
            }
        }
    }
}
