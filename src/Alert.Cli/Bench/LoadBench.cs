using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Alert.Cli.Sink;
using Alert.Core.Cap;
using Alert.Geo;

namespace Alert.Cli.Bench;

/// <summary>
/// Many issuers at once on a running hub, each notice measured from its submission (the moment its issuer sends it)
/// to its receipt by every webhook and stream it is meant for, at real local receivers. Two shapes:
/// <c>burst</c>, every municipality and ward issuing a level 4 order within a second; <c>drill</c>, the 2021 national
/// drill's 19,942 notices from 1,442 issuers, sent as fast as the hub accepts them. Each issuer is an identity of its
/// own with its own key; each webhook subscriber is a prefecture's or the nation's, each stream a prefecture's. The
/// notices have status Test, and the run's issuers and subscribers are removed (disabled) at the end.
/// </summary>
public static class LoadBench
{
    public sealed record Settings(string Scenario, Uri Hub, string AdminKey, int Notices, int Issuers, int Webhooks, int Streams,
        TimeSpan? Within, int Concurrency, int? HubPid, FileInfo? Json, FileInfo? Markdown);

    /// <summary>Nearest-rank percentiles of times in ms; NaN where there are none.</summary>
    public sealed record Times(long Count, double P50, double P95, double P99, double Max)
    {
        public static Times Of(List<double> values)
        {
            values.Sort();
            return new Times(values.Count, Percentiles.At(values, 0.50), Percentiles.At(values, 0.95), Percentiles.At(values, 0.99), Percentiles.At(values, 1));
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{P50:F0} / {P95:F0} / {P99:F0} / {Max:F0}");
    }

    public sealed record Result(string Scenario, string Date, int Cores, string Hub, int Issuers, int Webhooks, int Streams,
        int Submitted, int Accepted, IReadOnlyDictionary<string, int> Refused, double SubmitSeconds, double AcceptedPerSecond, Times Intake,
        long WebhooksOwed, long WebhooksReceived, long WebhookRepeats, Times Webhook, double DeliveriesPerSecond,
        long StreamEventsOwed, long StreamEventsReceived, Times Stream, Times LastReceipt, int NoticesComplete, double Seconds,
        double HubCpuSeconds, double HubResidentBeforeMiB, double HubResidentPeakMiB, double HubResidentAfterMiB,
        double BenchCpuSeconds = double.NaN, double MachineCpuSeconds = double.NaN, double PostgresCpuSeconds = double.NaN,
        double RabbitMqCpuSeconds = double.NaN, string Outbox = "");

    private static readonly string[] TestOnly = ["Test"];
    /// <summary>How long the run waits for receipts once nothing more arrives.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(30);

    private sealed record Issuer(string Code, string Prefecture, string Name, string Id, string Key);

    private sealed class Notice(Issuer issuer, string body)
    {
        public Issuer Issuer { get; } = issuer;
        public string Body { get; } = body;
        public long Submitted { get; set; }
        public long Answered { get; set; }
        public string? Id { get; set; }
        public int Status { get; set; }
    }

    public static async Task<int> RunAsync(Settings settings, CancellationToken ct)
    {
        var pid = settings.HubPid ?? HubProcess.ByPort(settings.Hub.Port);
        var gazetteer = Gazetteer.LoadBundled();
        var run = $"{settings.Scenario}-{Guid.NewGuid().ToString("N")[..6]}";
        // Issuers spread evenly over the country, in code order: every municipality and ward when there are as many.
        var all = gazetteer.Municipalities.OrderBy(m => m.Code, StringComparer.Ordinal).ToList();
        var count = Math.Min(settings.Issuers, all.Count);
        var places = Enumerable.Range(0, count).Select(i => all[(int)((long)i * all.Count / count)]).ToList();

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency }) { BaseAddress = settings.Hub, Timeout = TimeSpan.FromMinutes(2) };
        await using var sink = await WebhookSink.StartAsync(retain: false);
        var hooks = new Arrivals();
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        long repeats = 0;
        sink.Received += r =>
        {
            if (!seen.TryAdd(r.IdempotencyKey, 0)) Interlocked.Increment(ref repeats);
            else hooks.Add(r.IdempotencyKey.Split('.')[0], Stopwatch.GetTimestamp());
        };
        var issuers = new ConcurrentBag<Issuer>();
        var subscribers = new ConcurrentBag<string>();
        var streams = new Arrivals();
        var clients = new Dictionary<string, StreamClients>(StringComparer.Ordinal);
        try
        {
            var clock = Stopwatch.StartNew();
            var refused = await HubAdmin.EachAsync(places, "issuers", async (m, token) =>
            {
                var id = $"{run}-{m.Code}";
                using var answer = await HubAdmin.SendAsync(http, settings.AdminKey, HttpMethod.Post, "/api/v1/admin/identities",
                    new { id, name = $"{m.FullName} (bench)", role = "issuer", kind = "municipality", areaCode = m.Code }, token);
                if (!answer.IsSuccessStatusCode) return $"issuer {id}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(token)}";
                var key = (await answer.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("key").GetProperty("key").GetString()!;
                issuers.Add(new Issuer(m.Code, m.Code[..2], m.FullName, id, key));
                return null;
            }, ct);
            if (refused is not null) return Fail(refused);
            Console.Error.WriteLine($"\r{issuers.Count:N0} issuers added in {clock.Elapsed.TotalSeconds:F1} s");

            // Regional transmitters, the same number for each prefecture; the rest take the whole country.
            var prefectures = Enumerable.Range(1, 47).Select(p => p.ToString("D2", CultureInfo.InvariantCulture)).ToArray();
            var perPrefecture = Math.Max(0, (settings.Webhooks - 10) / 47);
            var national = settings.Webhooks - perPrefecture * 47;
            var filters = prefectures.SelectMany(p => Enumerable.Repeat(new[] { p }, perPrefecture)).Concat(Enumerable.Repeat(prefectures, national)).ToList();
            clock.Restart();
            refused = await HubAdmin.EachAsync(filters.Select((areaCodes, i) => (areaCodes, i)).ToList(), "subscribers", async (f, token) =>
            {
                using var answer = await HubAdmin.SendAsync(http, settings.AdminKey, HttpMethod.Post, "/api/v1/subscribers",
                    new { name = $"load bench {run} {f.i}", kind = "other", url = sink.Url($"{run}-{f.i}"), f.areaCodes, statuses = TestOnly }, token);
                if (!answer.IsSuccessStatusCode) return $"subscriber {f.i}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(token)}";
                subscribers.Add((await answer.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("id").GetString()!);
                return null;
            }, ct);
            if (refused is not null) return Fail(refused);
            Console.Error.WriteLine($"\r{subscribers.Count:N0} webhook subscribers ({perPrefecture} per prefecture, {national} national) added in {clock.Elapsed.TotalSeconds:F1} s");

            // Apps and signage follow their prefecture: the streams are shared out over the 47 in turn.
            var endpoint = await FanoutBench.EndpointAsync(settings.Hub);
            clock.Restart();
            foreach (var p in prefectures)
            {
                var wanted = settings.Streams / 47 + (Array.IndexOf(prefectures, p) < settings.Streams % 47 ? 1 : 0);
                var client = clients[p] = new StreamClients(endpoint, settings.Hub.Authority, $"/api/v1/stream?codes={p}&status=Test", streams);
                if (await client.ConnectAsync(wanted, 64) is { } failure) return Fail($"streams for {p}: {failure.Message}");
                Console.Error.Write($"\r{clients.Values.Sum(c => c.Count):N0} streams open");
            }
            Console.Error.WriteLine($"\r{clients.Values.Sum(c => c.Count):N0} streams open in {clock.Elapsed.TotalSeconds:F1} s");
            await Task.Delay(TimeSpan.FromSeconds(3), ct); // let the hub settle after opening them

            // Every body written before the clock starts, so the benchmark's own work stays out of the figures.
            var byCode = issuers.ToDictionary(i => i.Code, StringComparer.Ordinal);
            var order = places.Select(m => byCode[m.Code]).ToList();
            if (settings.Within is not null) Shuffle(order, 431001);
            var notices = Enumerable.Range(0, settings.Notices).Select(j =>
            {
                var issuer = order[j % order.Count];
                var alert = CapWriter.EvacuationOrder($"{run}-{j}", issuer.Code, issuer.Name, DateTimeOffset.Now, status: "Test", sender: $"bousai@{issuer.Code}.example");
                return new Notice(issuer, CapWriter.Write(alert));
            }).ToList();
            var hooksEach = perPrefecture + national;
            var hooksOwed = (long)notices.Count * hooksEach;
            var streamsFor = prefectures.ToDictionary(p => p, p => clients[p].Count);
            var streamsOwed = notices.Sum(n => (long)streamsFor[n.Issuer.Prefecture]);

            long Resident() => pid is { } p ? HubProcess.Resident(p) : 0;
            TimeSpan Cpu() => pid is { } p ? HubProcess.Cpu(p) : TimeSpan.Zero;
            var rssBefore = Resident();
            var cpuBefore = Cpu();
            // The receivers and streams run in this process, on the same machine: their share is the hub's lack of one.
            var (benchBefore, machineBefore) = (HubProcess.Cpu(Environment.ProcessId), HubProcess.MachineBusy());
            // The database and the broker, when they run here: on this machine PostgreSQL used more CPU than the hub.
            var (postgresBefore, rabbitBefore) = (HubProcess.CpuOfEach("postgres"), HubProcess.CpuOfEach("beam.smp"));
            var peak = rssBefore;
            var started = Stopwatch.GetTimestamp();
            var submitted = 0;
            var sending = settings.Within is { } within
                ? Task.WhenAll(notices.Select(async (n, j) =>
                {
                    // Issued at its own moment within the window, whether or not the hub has answered the others.
                    var due = TimeSpan.FromTicks(within.Ticks * j / notices.Count) - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero) await Task.Delay(due, ct);
                    Interlocked.Increment(ref submitted);
                    await SubmitAsync(http, n, ct);
                }))
                : Parallel.ForEachAsync(notices, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = ct }, async (n, token) =>
                {
                    Interlocked.Increment(ref submitted);
                    await SubmitAsync(http, n, token);
                });

            // Progress until every receipt owed has come, or nothing has come for a while.
            var (lastTotal, lastChange) = (-1L, Stopwatch.GetTimestamp());
            using var outbox = new OutboxWatch(settings.Hub);
            var outboxRead = 0L;
            while (true)
            {
                var done = sending.IsCompleted;
                var total = hooks.Total + streams.Total;
                if (total != lastTotal) (lastTotal, lastChange) = (total, Stopwatch.GetTimestamp());
                peak = Math.Max(peak, Resident());
                if (Stopwatch.GetElapsedTime(outboxRead) >= TimeSpan.FromSeconds(1))
                {
                    outboxRead = Stopwatch.GetTimestamp();
                    await outbox.ReadAsync(ct);
                }
                Progress(Volatile.Read(ref submitted), notices.Count, hooks.Total, hooksOwed, streams.Total, streamsOwed);
                if (done && hooks.Total >= hooksOwed && streams.Total >= streamsOwed) break;
                if (done && Stopwatch.GetElapsedTime(lastChange) > Quiet) break;
                await Task.WhenAny(sending, Task.Delay(250, ct));
            }
            await sending;
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var cpu = pid is null ? double.NaN : (Cpu() - cpuBefore).TotalSeconds;
            var (benchCpu, machineCpu) = ((HubProcess.Cpu(Environment.ProcessId) - benchBefore).TotalSeconds, (HubProcess.MachineBusy() - machineBefore).TotalSeconds);
            var (postgresCpu, rabbitCpu) = (HubProcess.CpuSince(postgresBefore, "postgres").TotalSeconds, HubProcess.CpuSince(rabbitBefore, "beam.smp").TotalSeconds);
            Console.Error.WriteLine();

            var result = Summarise(settings, notices, hooks, streams, streamsFor, hooksEach, hooksOwed, streamsOwed,
                Interlocked.Read(ref repeats), started, seconds, cpu, rssBefore, peak, Resident(), issuers.Count, subscribers.Count)
                with { BenchCpuSeconds = benchCpu, MachineCpuSeconds = machineCpu, PostgresCpuSeconds = postgresCpu, RabbitMqCpuSeconds = rabbitCpu, Outbox = outbox.Describe() };
            var table = Markdown(result);
            Console.WriteLine(table);
            await BenchFiles.WriteAsync(settings.Markdown, table, settings.Json, result, ct);
            return result.Accepted == result.Submitted && result.WebhooksReceived == result.WebhooksOwed && result.StreamEventsReceived == result.StreamEventsOwed ? 0 : 1;
        }
        finally
        {
            foreach (var client in clients.Values) await client.DisposeAsync();
            var clock = Stopwatch.StartNew();
            await HubAdmin.EachAsync(subscribers.ToList(), "removed", async (id, _) =>
            {
                using var __ = await HubAdmin.SendAsync(http, settings.AdminKey, HttpMethod.Delete, $"/api/v1/subscribers/{id}", null, CancellationToken.None);
                return null;
            }, CancellationToken.None);
            await HubAdmin.EachAsync(issuers.ToList(), "disabled", async (issuer, _) =>
            {
                using var __ = await HubAdmin.SendAsync(http, settings.AdminKey, HttpMethod.Delete, $"/api/v1/admin/identities/{issuer.Id}", null, CancellationToken.None);
                return null;
            }, CancellationToken.None);
            Console.Error.WriteLine($"\r{subscribers.Count:N0} subscribers removed and {issuers.Count:N0} issuers disabled in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    private static async Task SubmitAsync(HttpClient http, Notice notice, CancellationToken ct)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notices") { Content = new StringContent(notice.Body, Encoding.UTF8, "application/cap+xml") };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", notice.Issuer.Key);
        notice.Submitted = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(post, ct);
            notice.Answered = Stopwatch.GetTimestamp();
            notice.Status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) notice.Id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
        }
        catch (HttpRequestException)
        {
            notice.Answered = Stopwatch.GetTimestamp();
            notice.Status = 0; // no answer at all: counted as refused, as "no answer"
        }
    }

    private static Result Summarise(Settings settings, List<Notice> notices, Arrivals hooks, Arrivals streams, Dictionary<string, int> streamsFor,
        int hooksEach, long hooksOwed, long streamsOwed, long repeats, long started, double seconds, double cpu, long rssBefore, long peak, long rssAfter,
        int issuers, int subscribers)
    {
        static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
        var accepted = notices.Where(n => n.Id is not null).ToList();
        var (hookTimes, streamTimes, last) = (new List<double>(), new List<double>(), new List<double>());
        var complete = 0;
        long lastReceipt = started;
        foreach (var n in accepted)
        {
            var h = hooks.Of(n.Id!);
            var s = streams.Of(n.Id!);
            hookTimes.AddRange(h.Select(t => Ms(n.Submitted, t)));
            streamTimes.AddRange(s.Select(t => Ms(n.Submitted, t)));
            if (h.Count >= hooksEach && s.Count >= streamsFor[n.Issuer.Prefecture])
            {
                complete++;
                last.Add(h.Concat(s).Select(t => Ms(n.Submitted, t)).DefaultIfEmpty(0).Max());
            }
            if (h.Count > 0) lastReceipt = Math.Max(lastReceipt, h.Max());
        }
        var answered = notices.Where(n => n.Answered != 0).ToList();
        var submitSeconds = answered.Count == 0 ? 0 : Ms(started, answered.Max(n => n.Answered)) / 1000;
        var deliverySeconds = Ms(started, lastReceipt) / 1000;
        return new Result(settings.Scenario, DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), Environment.ProcessorCount,
            settings.Hub.ToString(), issuers, subscribers, streamsFor.Values.Sum(),
            notices.Count, accepted.Count,
            notices.Where(n => n.Id is null).GroupBy(n => n.Status == 0 ? "no answer" : n.Status.ToString(CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Count()),
            submitSeconds, submitSeconds == 0 ? 0 : accepted.Count / submitSeconds, Times.Of(answered.Select(n => Ms(n.Submitted, n.Answered)).ToList()),
            hooksOwed, hooks.Total, repeats, Times.Of(hookTimes), deliverySeconds == 0 ? 0 : hooks.Total / deliverySeconds,
            streamsOwed, streams.Total, Times.Of(streamTimes), Times.Of(last), complete, seconds,
            cpu, rssBefore / 1048576.0, peak / 1048576.0, rssAfter / 1048576.0);
    }

    private static string Markdown(Result r)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"`alert bench {r.Scenario}`, {r.Date}, {r.Cores} cores, hub {r.Hub}: {r.Issuers:N0} issuers, {r.Webhooks:N0} webhook subscribers, {r.Streams:N0} streams; times in ms from each notice's submission (p50 / p95 / p99 / max)\n\n");
        text.Append("| measure | figure |\n| --- | --- |\n");
        void Row(string measure, string figure) => text.Append(CultureInfo.InvariantCulture, $"| {measure} | {figure} |\n");
        Row("notices accepted", string.Create(CultureInfo.InvariantCulture, $"{r.Accepted:N0} of {r.Submitted:N0}{(r.Refused.Count == 0 ? "" : " (refused: " + string.Join(", ", r.Refused.Select(x => $"{x.Key} × {x.Value}")) + ")")}"));
        Row("all answered within", string.Create(CultureInfo.InvariantCulture, $"{r.SubmitSeconds:F2} s: **{r.AcceptedPerSecond:N0} notices/s accepted**"));
        Row("POST → 202", r.Intake.ToString());
        Row("webhook deliveries received", string.Create(CultureInfo.InvariantCulture, $"{r.WebhooksReceived:N0} of {r.WebhooksOwed:N0} (repeats: {r.WebhookRepeats:N0})"));
        Row("submission → webhook receipt", r.Webhook.ToString());
        Row("webhook deliveries per second (first submission → last receipt)", string.Create(CultureInfo.InvariantCulture, $"{r.DeliveriesPerSecond:N0}"));
        Row("stream events received", string.Create(CultureInfo.InvariantCulture, $"{r.StreamEventsReceived:N0} of {r.StreamEventsOwed:N0}"));
        Row("submission → stream event", r.Stream.ToString());
        Row("**submission → last receipt of the notice**", string.Create(CultureInfo.InvariantCulture, $"**{r.LastReceipt}** ({r.NoticesComplete:N0} notices received by all theirs)"));
        Row("run (first submission → last receipt or give-up)", string.Create(CultureInfo.InvariantCulture, $"{r.Seconds:F1} s"));
        Row("hub CPU over the run", double.IsNaN(r.HubCpuSeconds) ? "not measured" : string.Create(CultureInfo.InvariantCulture, $"{r.HubCpuSeconds:F1} s"));
        Row("CPU over the run: this benchmark (senders, receivers, streams) / the whole machine", string.Create(CultureInfo.InvariantCulture,
            $"{r.BenchCpuSeconds:F1} s / {r.MachineCpuSeconds:F1} s of {r.Cores * r.Seconds:F0} s ({r.Cores} cores × the run)"));
        Row("CPU over the run: PostgreSQL / RabbitMQ (their processes on this machine; 0 when they run elsewhere)", string.Create(CultureInfo.InvariantCulture,
            $"{r.PostgresCpuSeconds:F1} s / {r.RabbitMqCpuSeconds:F1} s"));
        Row("outbox as the hub reports it (`/metrics`, once a second): most rows waiting / oldest one's wait", r.Outbox);
        Row("hub resident memory before / peak / after", string.Create(CultureInfo.InvariantCulture, $"{r.HubResidentBeforeMiB:F0} / {r.HubResidentPeakMiB:F0} / {r.HubResidentAfterMiB:F0} MiB"));
        return text.ToString();
    }

    private static void Progress(int submitted, int notices, long hooks, long hooksOwed, long streams, long streamsOwed)
    {
        var owed = notices + hooksOwed + streamsOwed;
        var share = owed == 0 ? 1 : (double)(submitted + hooks + streams) / owed;
        var bar = new string('#', (int)(share * 30)).PadRight(30, '.');
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{bar}] {share,4:P0}  sent {submitted:N0}/{notices:N0}  webhooks {hooks:N0}/{hooksOwed:N0}  stream events {streams:N0}/{streamsOwed:N0}   "));
    }

    private static int Fail(string problem)
    {
        Console.Error.WriteLine();
        Console.Error.WriteLine(problem);
        return 2;
    }

    /// <summary>A fixed shuffle: the burst reaches the hub in no particular order of codes, the same order every run.</summary>
    private static void Shuffle<T>(List<T> items, int seed)
    {
        var random = new Random(seed);
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
