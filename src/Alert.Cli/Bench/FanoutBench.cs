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

namespace Alert.Cli.Bench;

/// <summary>
/// Distribution on a running hub: N webhook subscribers (hooks on one local receiver) and M open streams, all for the
/// notices' area, and a few notices sent one at a time. For each notice, the time from its 202 to its receipt by every
/// webhook and every stream (p50, p99, max: the max is the last receiver); and the hub's resident memory per open
/// stream. Notices have status Test and the subscribers ask for Test only, so no one else is sent anything; the
/// subscribers are removed at the end.
/// </summary>
public static class FanoutBench
{
    public sealed record Settings(Uri Hub, string AdminKey, string IssuerKey, string Code, int Subscribers, int Streams, int Notices,
        int? HubPid, FileInfo? Json, FileInfo? Markdown);

    public sealed record Channel(int Receivers, int Received, double First, double P50, double P99, double Max);

    public sealed record Row(string Notice, double Accepted, double HubCpu, Channel Webhooks, Channel Streams);

    private static readonly string[] TestOnly = ["Test"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    /// <summary>How long the streams stay open before the notices: longer than the hub's default heartbeat (15 s).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(Settings settings, CancellationToken ct)
    {
        var pid = settings.HubPid ?? HubProcess.ByPort(settings.Hub.Port);
        if (pid is null)
            Console.Error.WriteLine($"No process of this user listens on port {settings.Hub.Port}: memory per stream will not be measured (give --hub-pid).");
        ReportLimits(settings, pid);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = settings.Hub, Timeout = TimeSpan.FromSeconds(30) };
        await using var sink = await WebhookSink.StartAsync();
        var hooks = new Arrivals();
        sink.Received += r => hooks.Add(r.IdempotencyKey.Split('.')[0], Stopwatch.GetTimestamp());
        var run = "fan-" + Guid.NewGuid().ToString("N")[..8];
        var subscribers = new List<string>();
        try
        {
            var clock = Stopwatch.StartNew();
            if (await SubscribeAsync(http, settings, sink, run, subscribers, ct) is { } refused)
            {
                Console.Error.WriteLine(refused);
                return 2;
            }
            Console.Error.WriteLine($"{subscribers.Count:N0} webhook subscribers added in {clock.Elapsed.TotalSeconds:F1} s");

            var streams = new Arrivals();
            var endpoint = await EndpointAsync(settings.Hub);
            var path = $"/api/v1/stream?codes={settings.Code}&status=Test";
            await using var clients = new StreamClients(endpoint, settings.Hub.Authority, path, streams);
            await Task.Delay(TimeSpan.FromSeconds(2), ct); // let the hub settle after the subscribers
            long Resident() => pid is { } p ? HubProcess.Resident(p) : 0;
            var rssBefore = Resident();
            // In two halves, read 3 s after each: the second half's growth leaves out what the hub spends once, on the
            // first streams (compiled code, thread-pool threads) and what the first streams take from heap the
            // runtime had already reserved, so it is nearer to what one more stream costs.
            var progress = new Progress<int>(n => Console.Error.Write($"\r{n:N0} streams open"));
            clock.Restart();
            var failure = await clients.ConnectAsync(settings.Streams / 2, 64, progress);
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var (rssHalf, half) = (Resident(), clients.Count);
            failure ??= await clients.ConnectAsync(settings.Streams - half, 64, progress);
            Console.Error.WriteLine($"\r{clients.Count:N0} streams open in {clock.Elapsed.TotalSeconds - 3:F1} s{(failure is null ? "" : $"; stopped at: {failure.GetType().Name}: {failure.Message}")}");
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var rssOpen = Resident();
            // Then through a heartbeat to every stream (the hub's default is every 15 s), as an idle hub with open
            // streams lives, before any notice.
            await Task.Delay(Settle, ct);
            var rssSettled = Resident();

            var rows = new List<Row>();
            Console.WriteLine($"{"notice",-22}{"→202",7}{"hub CPU",9} | {"webhooks",-13}{"first",7}{"p50",7}{"p99",7}{"max",7} | {"streams",-13}{"first",7}{"p50",7}{"p99",7}{"max",7}   (ms; receipts after the 202)");
            var (allHooks, allStreams) = (new List<double>(), new List<double>());
            for (var i = 0; i < settings.Notices; i++)
            {
                var alert = CapWriter.EvacuationOrder($"{run}-{i}", settings.Code, "bench", DateTimeOffset.Now, status: "Test");
                using var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notices")
                {
                    Content = new StringContent(CapWriter.Write(alert), Encoding.UTF8, "application/cap+xml"),
                };
                post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.IssuerKey);
                var cpu = pid is { } p ? HubProcess.Cpu(p) : TimeSpan.Zero;
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(post, ct);
                var accepted = Stopwatch.GetTimestamp();
                if (!response.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"Notice {i} refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                    return 2;
                }
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
                var waits = await Task.WhenAll(hooks.WaitAsync(id, subscribers.Count, Patience), streams.WaitAsync(id, clients.Count, Patience));
                var (h, s) = (Since(accepted, waits[0]), Since(accepted, waits[1]));
                var used = pid is { } q ? (HubProcess.Cpu(q) - cpu).TotalMilliseconds : double.NaN;
                var row = new Row(i == 0 ? "1 (warm-up)" : (i + 1).ToString(CultureInfo.InvariantCulture), Stopwatch.GetElapsedTime(sent, accepted).TotalMilliseconds, used,
                    Of(subscribers.Count, h), Of(clients.Count, s));
                rows.Add(row);
                Print(row);
                if (i > 0) { allHooks.AddRange(h); allStreams.AddRange(s); }
                await Task.Delay(TimeSpan.FromSeconds(1), ct); // let the hub finish its receipts before the next
            }
            var rssAfter = Resident();
            // As the load benchmarks do: a receipt that never came fails the run, whatever its figures say.
            var missing = rows.Sum(r => r.Webhooks.Receivers - r.Webhooks.Received + r.Streams.Receivers - r.Streams.Received);
            var overall = new Row($"all but the first ({settings.Notices - 1})", rows.Skip(1).Select(r => r.Accepted).DefaultIfEmpty().Average(),
                rows.Skip(1).Select(r => r.HubCpu).DefaultIfEmpty().Average(),
                Of(subscribers.Count * (settings.Notices - 1), allHooks), Of(clients.Count * (settings.Notices - 1), allStreams));
            rows.Add(overall);
            Print(overall);

            var memory = new Memory(pid, rssBefore, rssHalf, half, rssOpen, rssSettled, rssAfter, clients.Count);
            Console.WriteLine(memory.Describe());
            var table = Markdown(settings, subscribers.Count, clients.Count, rows, memory);
            await BenchFiles.WriteAsync(settings.Markdown, table, settings.Json, new
            {
                hub = settings.Hub, webhooks = subscribers.Count, streams = clients.Count, streamsAsked = settings.Streams,
                streamFailure = failure?.Message, notices = rows, memory,
            }, ct);
            if (missing > 0) Console.Error.WriteLine($"{missing:N0} receipts owed never came within {Patience.TotalSeconds:F0} s of their notice.");
            return missing > 0 ? 1 : 0;
        }
        finally
        {
            var clock = Stopwatch.StartNew();
            await HubAdmin.EachAsync(subscribers, "removed", async (id, _) =>
            {
                using var __ = await HubAdmin.SendAsync(http, settings.AdminKey, HttpMethod.Delete, $"/api/v1/subscribers/{id}", null, CancellationToken.None);
                return null;
            }, CancellationToken.None);
            Console.Error.WriteLine($"{subscribers.Count:N0} subscribers removed in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    /// <summary>The hub's resident memory (VmRSS): before the streams, with half of them open, with all open (3 s after the
    /// last, and again after <see cref="Settle"/>), and after the notices.</summary>
    public sealed record Memory(int? Pid, long Before, long Half, int HalfStreams, long Open, long Settled, long After, int Streams)
    {
        public double PerStream => Streams == 0 ? 0 : (Open - Before) / (double)Streams;

        /// <summary>Growth over the second half of the streams only.</summary>
        public double PerStreamSecondHalf => Streams == HalfStreams ? 0 : (Open - Half) / (double)(Streams - HalfStreams);

        public double PerStreamSettled => Streams == 0 ? 0 : (Settled - Before) / (double)Streams;

        public double PerStreamAfterNotices => Streams == 0 ? 0 : (After - Before) / (double)Streams;

        public string Describe() => Pid is null
            ? "hub memory: not measured (no --hub-pid)"
            : string.Create(CultureInfo.InvariantCulture,
                $"hub (PID {Pid}) resident: {Before / 1048576.0:F0} MiB before the streams, {Half / 1048576.0:F0} MiB with {HalfStreams:N0} open, {Open / 1048576.0:F0} MiB with {Streams:N0} open, {Settled / 1048576.0:F0} MiB {Settle.TotalSeconds:F0} s later, {After / 1048576.0:F0} MiB after the notices: {PerStream / 1024:F1} KiB per stream ({PerStreamSecondHalf / 1024:F1} KiB over the second half, {PerStreamSettled / 1024:F1} KiB after {Settle.TotalSeconds:F0} s, {PerStreamAfterNotices / 1024:F1} KiB after the notices)");
    }

    private static Task<string?> SubscribeAsync(HttpClient http, Settings settings, WebhookSink sink, string run, List<string> subscribers, CancellationToken ct) =>
        HubAdmin.EachAsync(Enumerable.Range(0, settings.Subscribers).ToList(), "subscribers", async (i, token) =>
        {
            using var answer = await HubAdmin.SendAsync(http, settings.AdminKey, HttpMethod.Post, "/api/v1/subscribers",
                new { name = $"fan-out bench {run} {i}", kind = "other", url = sink.Url($"{run}-{i}"), areaCodes = new[] { settings.Code }, statuses = TestOnly }, token);
            if (!answer.IsSuccessStatusCode) return $"Could not add subscriber {i}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(token)}";
            var id = (await answer.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("id").GetString()!;
            lock (subscribers) subscribers.Add(id);
            return null;
        }, ct);

    /// <summary>Each stream needs a descriptor here and one in the hub; the runtime raises the soft limit to the hard one at start.</summary>
    private static void ReportLimits(Settings settings, int? pid)
    {
        var (soft, hard) = HubProcess.OpenFiles("self");
        Console.Error.WriteLine($"open files: this process may have {soft} (hard {hard}); it needs about {settings.Streams + 200:N0}");
        if (pid is not { } hub) return;
        var (hubSoft, hubHard) = HubProcess.OpenFiles(hub.ToString(CultureInfo.InvariantCulture));
        var open = HubProcess.Descriptors(hub);
        Console.Error.WriteLine($"open files: the hub (PID {hub}) may have {hubSoft} (hard {hubHard}), has {(open < 0 ? "?" : open.ToString("N0", CultureInfo.InvariantCulture))} open; it needs {settings.Streams:N0} more for the streams");
    }

    /// <summary>IPv4 first: "localhost" on loopback should mean 127.0.0.1.</summary>
    internal static async Task<IPEndPoint> EndpointAsync(Uri hub)
    {
        var addresses = await Dns.GetHostAddressesAsync(hub.Host);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
        return new IPEndPoint(address, hub.Port);
    }

    private static List<double> Since(long accepted, IReadOnlyList<long> arrivals) =>
        arrivals.Select(t => (t - accepted) * 1000.0 / Stopwatch.Frequency).Order().ToList();

    /// <summary>Nearest-rank percentiles of sorted times; a receiver that got nothing by the timeout counts in Received only.</summary>
    private static Channel Of(int receivers, List<double> times)
    {
        times.Sort();
        return new Channel(receivers, times.Count, Percentiles.At(times, 0), Percentiles.At(times, 0.50), Percentiles.At(times, 0.99), Percentiles.At(times, 1));
    }

    private static void Print(Row row) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{row.Notice,-22}{row.Accepted,7:F0}{row.HubCpu,9:F0} | {Cell(row.Webhooks)} | {Cell(row.Streams)}"));

    private static string Cell(Channel c) => string.Create(CultureInfo.InvariantCulture,
        $"{$"{c.Received:N0}/{c.Receivers:N0}",-13}{c.First,7:F0}{c.P50,7:F0}{c.P99,7:F0}{c.Max,7:F0}");

    private static string Markdown(Settings settings, int webhooks, int streams, List<Row> rows, Memory memory)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, hub {settings.Hub}, {webhooks:N0} webhooks, {streams:N0} streams; times in ms after the 202; hub CPU: its user + system time from the POST to the last receipt\n\n"));
        text.Append("| notice | POST → 202 | hub CPU | webhooks received | first | p50 | p99 | max | streams received | first | p50 | p99 | max |\n");
        text.Append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        foreach (var r in rows)
            text.Append(CultureInfo.InvariantCulture,
                $"| {r.Notice} | {r.Accepted:F0} | {r.HubCpu:F0} | {r.Webhooks.Received:N0} of {r.Webhooks.Receivers:N0} | {r.Webhooks.First:F0} | {r.Webhooks.P50:F0} | {r.Webhooks.P99:F0} | {r.Webhooks.Max:F0} | {r.Streams.Received:N0} of {r.Streams.Receivers:N0} | {r.Streams.First:F0} | {r.Streams.P50:F0} | {r.Streams.P99:F0} | {r.Streams.Max:F0} |\n");
        text.Append('\n').Append(memory.Describe()).Append('\n');
        return text.ToString();
    }
}
