using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Alert.Cli.Sink;
using Alert.Core.Cap;
using Alert.Core.Webhooks;

namespace Alert.Cli.Bench;

/// <summary>
/// The machine's own ceiling for webhook deliveries, no hub: POSTs of a notice, as the hub sends them (its headers and
/// signature, an HTTP client with the hub's defaults), to the same local receiver the load runs use. A delivery at a
/// real receiver on this machine cannot come faster than this, whatever the hub, the database or the broker do: it
/// is the figure that says whether a delivery target can be shown here at all.
/// </summary>
public static class ReceiversBench
{
    public sealed record Settings(TimeSpan Duration, int[] Concurrency, int Hooks, FileInfo? Json, FileInfo? Markdown);

    public sealed record Row(int Concurrency, long Posts, double PostsPerSecond, double P50, double P99, double Max, double CpuSeconds,
        double MachineCpuSeconds, double Seconds, long Errors, string? FirstError)
    {
        /// <summary>This process's CPU per POST (sender and receiver together), in ms.</summary>
        public double CpuMsPerPost => Posts == 0 ? double.NaN : CpuSeconds * 1000 / Posts;

        /// <summary>The share of the machine's cores busy over the row, whoever used them.</summary>
        public double MachineBusy => MachineCpuSeconds / (Environment.ProcessorCount * Seconds);
    }

    public static Command Command()
    {
        var seconds = new Option<int>("--seconds") { Description = "Seconds per measurement", DefaultValueFactory = _ => 10 };
        var concurrency = new Option<int[]>("--concurrency")
        {
            Description = "POSTs in flight at once; the default is one message's 20 deliveries, and the hub's 16 messages at once of 20 each",
            DefaultValueFactory = _ => [20, 320], AllowMultipleArgumentsPerToken = true,
        };
        var hooks = new Option<int>("--hooks") { Description = "Hooks (paths) on the receiver, POSTed to in turn, as the drill's subscribers", DefaultValueFactory = _ => 500 };
        foreach (var positive in new[] { seconds, hooks })
            positive.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{positive.Name} must be at least 1"); });
        concurrency.Validators.Add(r => { if (r.GetValueOrDefault<int[]>().Any(c => c is < 1 or > 10_000)) r.AddError("each --concurrency must be 1 to 10,000"); });
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file" };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Also write the table to this Markdown file" };
        var command = new Command("receivers",
            "This machine's own ceiling for webhook deliveries, no hub: POSTs of a notice as the hub signs and sends them, to the load runs' local receiver.")
            { seconds, concurrency, hooks, json, markdown };
        command.SetAction((result, ct) => RunAsync(new Settings(TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(concurrency)!,
            result.GetValue(hooks), result.GetValue(json), result.GetValue(markdown)), ct));
        return command;
    }

    public static async Task<int> RunAsync(Settings settings, CancellationToken ct)
    {
        await using var sink = await WebhookSink.StartAsync(retain: false);
        long received = 0;
        sink.Received += _ => Interlocked.Increment(ref received);
        // The hub's webhook client: a SocketsHttpHandler with its defaults (no limit of connections per server).
        using var http = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        // The load runs' notice (a level 4 order, 932 bytes of CAP), sent as the hub sends a subscriber's CAP.
        var body = Encoding.UTF8.GetBytes(CapWriter.Write(CapWriter.EvacuationOrder("bench-receivers", "431001", "熊本市", DateTimeOffset.Now, status: "Test")));
        var urls = Enumerable.Range(0, settings.Hooks).Select(i => sink.Url($"receivers-{i}")).ToArray();

        await MeasureAsync(http, urls, body, settings.Concurrency.Max(), TimeSpan.FromSeconds(1), ct); // warms both sides; not reported
        Interlocked.Exchange(ref received, 0);
        var title = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: POSTs of {body.Length:N0} bytes to {settings.Hooks:N0} hooks on {sink.BaseUrl}, no hub, {settings.Duration.TotalSeconds:F0} s per row, {Environment.ProcessorCount} cores");
        Console.WriteLine(title);
        Console.WriteLine($"{"in flight",10}{"POSTs/s",10} | {"p50",7}{"p99",8}{"max",8} (ms) | {"CPU ms/POST",12}{"machine busy",14} | errors");
        var rows = new List<Row>();
        foreach (var concurrency in settings.Concurrency)
        {
            var row = await MeasureAsync(http, urls, body, concurrency, settings.Duration, ct);
            rows.Add(row);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Concurrency,10}{row.PostsPerSecond,10:N0} | {row.P50,7:F2}{row.P99,8:F2}{row.Max,8:F1}      | {row.CpuMsPerPost,12:F3}{row.MachineBusy,14:P0} | {row.Errors}{(row.FirstError is null ? "" : $" (first: {row.FirstError})")}"));
        }
        // Every POST answered 200 must have been counted by the receiver: a ceiling made of lost requests is no ceiling.
        var lost = rows.Sum(r => r.Posts) - Interlocked.Read(ref received);
        if (lost > 0) Console.WriteLine($"{lost:N0} POSTs answered but not counted by the receiver");

        var table = BenchFiles.Table(title, ["in flight", "POSTs/s", "p50 (ms)", "p99 (ms)", "max (ms)", "this process's CPU per POST (ms)", "machine busy", "errors"],
            rows.Select(r => (FormattableString[])[$"{r.Concurrency}", $"{r.PostsPerSecond:N0}", $"{r.P50:F2}", $"{r.P99:F2}", $"{r.Max:F1}", $"{r.CpuMsPerPost:F3}",
                $"{r.MachineBusy:P0}", $"{r.Errors}"]));
        await BenchFiles.WriteAsync(settings.Markdown, table, settings.Json, new
        {
            date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), bodyBytes = body.Length, hooks = settings.Hooks,
            seconds = settings.Duration.TotalSeconds, cores = Environment.ProcessorCount, rows,
        }, ct);
        return rows.Any(r => r.Errors > 0) || lost > 0 ? 1 : 0;
    }

    private static async Task<Row> MeasureAsync(HttpClient http, string[] urls, byte[] body, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        long next = 0, errors = 0;
        string? firstError = null;
        var (cpuBefore, machineBefore) = (HubProcess.Cpu(Environment.ProcessId), HubProcess.MachineBusy());
        var start = Stopwatch.GetTimestamp();
        var until = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var times = new List<double>();
            while (Stopwatch.GetTimestamp() < until)
            {
                var n = Interlocked.Increment(ref next);
                var key = $"bench-receivers.1.{n}";
                using var request = new HttpRequestMessage(HttpMethod.Post, urls[n % urls.Length])
                {
                    Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/cap+xml") } },
                };
                // What the hub adds to every delivery: its key, the document and revision, and the HMAC of the body.
                request.Headers.Add("Idempotency-Key", key);
                request.Headers.Add("X-Alert-Document", "bench-receivers");
                request.Headers.Add("X-Alert-Revision", "1");
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign("bench-receivers-secret-0123456789", body, DateTimeOffset.UtcNow));
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, ct);
                    if (response.IsSuccessStatusCode) times.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    else Error($"HTTP {(int)response.StatusCode}");
                }
                catch (HttpRequestException e)
                {
                    Error(e.Message);
                }
            }
            return times;
        }, ct)).ToList();
        var all = (await Task.WhenAll(loops)).SelectMany(t => t).Order().ToList();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var (cpu, machine) = ((HubProcess.Cpu(Environment.ProcessId) - cpuBefore).TotalSeconds, (HubProcess.MachineBusy() - machineBefore).TotalSeconds);
        return new Row(concurrency, all.Count, all.Count / seconds, Percentiles.At(all, 0.50), Percentiles.At(all, 0.99), Percentiles.At(all, 1),
            cpu, machine, seconds, errors, firstError);

        void Error(string what)
        {
            Interlocked.Increment(ref errors);
            Interlocked.CompareExchange(ref firstError, what, null);
        }
    }
}
