using System.CommandLine;
using Alert.Cli.Bench;
using Alert.Cli.Sink;
using Alert.Core;
using Alert.Core.Cap;
using Alert.Core.Csv;
using Alert.Core.Notices;
using Alert.Core.Rendering;
using Alert.Core.Xml;

namespace Alert.Cli;

/// <summary>`alert`: validate notices before sending them, run a webhook receiver, measure a hub.</summary>
public static class AlertCommand
{
    public static Task<int> Main(string[] args) => Build().Parse(args).InvokeAsync();

    public static RootCommand Build() => new("Alert hub command line: validate notices, receive webhooks, benchmark a hub.")
    {
        Validate(), Convert(), SinkCommand(), BenchCommand(), SchemaCommand(), ErrorsCommand(), AuditCommand(), ObserveCommand(),
    };

    private static Command Validate()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "CAP 1.2, native notice (XML or JSON) or CSV sheet files to check", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate",
            "Check files as the hub would (CAP 1.2 with the Japanese profile, native notices, CSV sheets), listing every problem with its line, then a summary.") { files };
        command.SetAction(result =>
        {
            var problemCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var (valid, invalid) = (0, 0);
            foreach (var file in result.GetValue(files)!)
            {
                var (format, problems) = file.Exists ? Check(File.ReadAllBytes(file.FullName)) : ("-", [new Problem("file.missing", null, null, null, "ファイルがありません。", "No such file.")]);
                if (problems.Count == 0)
                {
                    valid++;
                    Console.WriteLine($"OK    {format,-20} {file.Name}");
                    continue;
                }
                invalid++;
                Console.WriteLine($"ERROR {format,-20} {file.Name}");
                foreach (var p in problems)
                {
                    problemCounts[p.Code] = problemCounts.GetValueOrDefault(p.Code) + 1;
                    Console.WriteLine($"  {file.Name}:{p.Line}:{p.Column} {p.Code} {p.Path}\n    {p.Ja}\n    {p.En}");
                }
            }
            Console.WriteLine($"\n{valid + invalid} files: {valid} valid, {invalid} with problems");
            foreach (var (code, count) in problemCounts) Console.WriteLine($"  {count,5}  {code}");
            return invalid == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>JSON by its brace, XML by its namespace (native notice, else CAP), CSV by its header.</summary>
    private static (string Format, IReadOnlyList<Problem> Problems) Check(byte[] bytes)
    {
        var first = bytes.SkipWhile(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF).FirstOrDefault();
        if (first == (byte)'{') return ("json", NoticeJson.Read(new MemoryStream(bytes)).Problems);
        if (first != (byte)'<')
        {
            var sheet = CsvFormats.DetectSheet(bytes);
            return sheet is null
                ? ("csv", [new Problem("csv.sheet.unknown", "header", 1, null,
                    $"見出し行がどの表（{string.Join("、", CsvFormats.Sheets.Keys)}）とも一致しません。schemas/csv/README.md の列名を確認してください。",
                    $"The header matches none of the sheets ({string.Join(", ", CsvFormats.Sheets.Keys)}); see the columns in schemas/csv/README.md.")])
                : (sheet, CsvFormats.Sheets[sheet](new MemoryStream(bytes)).Problems);
        }

        return SafeXml.RootNamespace(bytes) switch
        {
            NoticeXmlReader.Namespace => ("notice", NoticeXmlReader.Read(new MemoryStream(bytes)).Problems),
            null => ("xml", CapReader.Read(new MemoryStream(bytes)).Problems), // unreadable: the reader says why
            _ => ("cap", CapReader.Read(new MemoryStream(bytes)).Problems),
        };
    }

    private static Command Convert()
    {
        var file = new Argument<FileInfo>("file") { Description = "A native notice (XML or JSON) or a CAP alert written by the hub" };
        var to = new Option<string>("--to") { Description = "xml, json, cap, or text (the short text for signage and area mail)", DefaultValueFactory = _ => "cap" };
        to.AcceptOnlyFromAmong("xml", "json", "cap", "text");
        var lang = new Option<string?>("--lang") { Description = $"For cap, the languages besides Japanese (default en); for text, one language. Any of {string.Join(", ", Languages.All.Select(l => l.Tag))}" };
        lang.Validators.Add(r =>
        {
            try { Languages.ParseList(r.GetValueOrDefault<string?>() ?? ""); }
            catch (ArgumentException e) { r.AddError(e.Message); }
        });
        var command = new Command("convert", "Write a notice in another format, as the hub would (prints to standard output).") { file, to, lang };
        command.SetAction(result =>
        {
            var bytes = File.ReadAllBytes(result.GetValue(file)!.FullName);
            var read = bytes.FirstOrDefault(b => !char.IsWhiteSpace((char)b)) == (byte)'{'
                ? NoticeJson.Read(new MemoryStream(bytes))
                : SafeXml.RootNamespace(bytes) == CapReader.Namespace
                    ? CapReader.Read(new MemoryStream(bytes)).Alert is { } alert && NoticeCap.FromCap(alert) is { } fromCap
                        ? new NoticeReadResult(fromCap, [], true)
                        : new NoticeReadResult(null, [new Problem("convert.foreign-cap", null, null, null, "ハブが書いた CAP ではないため変換できません。", "This CAP was not written by a hub and holds no native notice.")], true)
                    : NoticeXmlReader.Read(new MemoryStream(bytes));
            if (read.Notice is not { } notice)
            {
                foreach (var p in read.Problems) Console.Error.WriteLine($"{p.Line}:{p.Column} {p.Code} {p.Path}\n  {p.Ja}\n  {p.En}");
                return 1;
            }
            Console.WriteLine(result.GetValue(to) switch
            {
                "xml" => NoticeXmlWriter.Write(notice),
                "json" => NoticeJson.Write(notice),
                "text" => ShortText.Write(notice, Languages.Find(result.GetValue(lang)) ?? Languages.Japanese).Text,
                _ => CapWriter.Write(NoticeCap.ToCap(notice, null, result.GetValue(lang) is { } tags ? Languages.ParseList(tags) : null)),
            });
            return 0;
        });
        return command;
    }

    private static Command SchemaCommand()
    {
        var command = new Command("json-schema", "Print the JSON Schema of the native notice JSON (schemas/notice/notice-1.schema.json).");
        command.SetAction(_ => Console.Write(NoticeJson.Schema()));
        return command;
    }

    private static Command SinkCommand()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 to listen on", DefaultValueFactory = _ => 9090 };
        var command = new Command("sink", "Run a webhook receiver on 127.0.0.1 that prints what it is sent (POST /hooks/{name}).") { port };
        command.SetAction(async (result, ct) =>
        {
            await using var sink = await WebhookSink.StartAsync(result.GetValue(port));
            sink.Received += r => Console.WriteLine($"{r.At:HH:mm:ss.fff} {r.Path} {r.IdempotencyKey} {CapReader.Read(r.Body).Alert?.Title}");
            Console.WriteLine($"Receiving on {sink.Url("NAME")}; Ctrl+C to stop.");
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            return 0;
        });
        return command;
    }

    private static Option<string> HubOption()
    {
        var hub = new Option<string>("--hub") { Description = "The hub's base URL", DefaultValueFactory = _ => "http://localhost:5080" };
        hub.Validators.Add(r =>
        {
            if (!Uri.TryCreate(r.GetValueOrDefault<string>(), UriKind.Absolute, out _)) r.AddError("--hub must be an absolute URL, e.g. http://localhost:5080");
        });
        return hub;
    }

    private static Option<string> AdminKeyOption() =>
        new("--admin-key") { Description = "Admin key (default: $ALERT_ADMIN_KEY)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ALERT_ADMIN_KEY") ?? "" };

    private static Command ErrorsCommand()
    {
        var (hub, adminKey) = (HubOption(), AdminKeyOption());
        var requeue = new Option<bool>("--requeue") { Description = "Move every message waiting in an error queue back to its queue (after the cause is fixed)" };
        var command = new Command("errors", "Messages the hub's consumers gave up on, per queue (RabbitMQ only); --requeue moves them back.") { hub, adminKey, requeue };
        command.SetAction((result, ct) => AdminCallAsync(result.GetValue(hub)!, result.GetValue(adminKey)!,
            result.GetValue(requeue) ? HttpMethod.Post : HttpMethod.Get, result.GetValue(requeue) ? "/api/v1/admin/errors/requeue" : "/api/v1/admin/errors", ct));
        return command;
    }

    private static Command AuditCommand()
    {
        var (hub, adminKey) = (HubOption(), AdminKeyOption());
        var verify = new Command("verify", "Walk the hub's audit chain: every entry's hash must follow from its fields and the entry before (exit 1 if not).") { hub, adminKey };
        verify.SetAction((result, ct) => AdminCallAsync(result.GetValue(hub)!, result.GetValue(adminKey)!, HttpMethod.Get, "/api/v1/admin/audit/verify", ct, intact: true));
        return new Command("audit", "The hub's append-only audit trail of notices accepted and refused and of admin changes.") { verify };
    }

    private static Command ObserveCommand()
    {
        var hub = HubOption();
        var station = new Argument<string>("station") { Description = "The station's id, as its desk registered it" };
        var value = new Argument<double>("value") { Description = "The reading (metres)" };
        var secret = new Option<string>("--secret")
        {
            Description = "The station's secret (default: $ALERT_STATION_SECRET)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ALERT_STATION_SECRET") ?? "",
        };
        var at = new Option<DateTimeOffset?>("--at") { Description = "When it was read, with its offset (default: now)" };
        var command = new Command("observe", "Send one reading of a station, signed with its secret, as its feed would; prints the hub's answer (a draft's id when it crossed a threshold).")
            { station, value, hub, secret, at };
        command.SetAction(async (result, ct) =>
        {
            var body = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new
            {
                value = result.GetValue(value), at = result.GetValue(at) ?? DateTimeOffset.Now.ToOffset(JapanTime.Offset),
            }));
            using var http = new HttpClient { BaseAddress = new Uri(result.GetValue(hub)!) };
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/observations/{Uri.EscapeDataString(result.GetValue(station)!)}")
            {
                Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
            };
            request.Headers.Add(Core.Webhooks.WebhookSignature.Header, Core.Webhooks.WebhookSignature.Sign(result.GetValue(secret)!, body, DateTimeOffset.UtcNow));
            using var response = await http.SendAsync(request, ct);
            Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            return response.IsSuccessStatusCode ? 0 : 1;
        });
        return command;
    }

    /// <summary>One admin request to a running hub; prints the answer; exit 0 on success (and, for a verdict, only if intact).</summary>
    private static async Task<int> AdminCallAsync(string hub, string adminKey, HttpMethod method, string path, CancellationToken ct, bool intact = false)
    {
        using var http = new HttpClient { BaseAddress = new Uri(hub) };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Console.WriteLine(body);
        if (!response.IsSuccessStatusCode) return 1;
        return !intact || System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("intact").GetBoolean() ? 0 : 1;
    }

    private static Command BenchCommand()
    {
        var (hub, adminKey) = (HubOption(), AdminKeyOption());
        var issuerKey = new Option<string>("--issuer-key") { Description = "Issuer key (default: $ALERT_ISSUER_KEY)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ALERT_ISSUER_KEY") ?? "" };
        var code = new Option<string>("--code") { Description = "Local government code the notices cover (the issuer's own)", DefaultValueFactory = _ => "431001" };
        var count = new Option<int>("--count") { Description = "Notices to measure", DefaultValueFactory = _ => 100 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file" };
        var latency = new Command("latency", "POST → webhook receipt, one notice at a time, on a running hub.") { hub, adminKey, issuerKey, code, count, json };
        latency.SetAction((result, ct) => LatencyBench.RunAsync(new LatencyBench.Settings(new Uri(result.GetValue(hub)!), result.GetValue(adminKey)!,
            result.GetValue(issuerKey)!, result.GetValue(code)!, result.GetValue(count), result.GetValue(json)), ct));
        var seconds = new Option<int>("--seconds") { Description = "Seconds per measurement", DefaultValueFactory = _ => 5 };
        var validate = new Command("validate", "Documents validated per second by the hub's readers (CAP, native XML, JSON); no hub needed.") { seconds };
        validate.SetAction(result => ValidateBench.Run(TimeSpan.FromSeconds(result.GetValue(seconds))));
        var notices = new Option<int>("--notices") { Description = "Notices in force for the point lookups", DefaultValueFactory = _ => 10_000 };
        var postgis = new Option<string?>("--postgis") { Description = "Npgsql connection string of a PostgreSQL with PostGIS, to measure ST_Covers beside the index" };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Also write the table to this Markdown file" };
        var geo = new Command("geo", "Gazetteer load and memory, point → notices in force, names and addresses resolved; PostGIS beside it.")
            { seconds, notices, postgis, markdown };
        geo.SetAction((result, _) => GeoBench.RunAsync(TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(notices), result.GetValue(postgis), result.GetValue(markdown)));
        var subscribers = new Option<int>("--subscribers") { Description = "Webhook subscribers (hooks on one local receiver)", DefaultValueFactory = _ => 1000 };
        var streams = new Option<int>("--streams") { Description = "Open /api/v1/stream connections", DefaultValueFactory = _ => 10_000 };
        var fanNotices = new Option<int>("--notices") { Description = "Notices sent one at a time, the first a warm-up", DefaultValueFactory = _ => 5 };
        var hubPid = new Option<int?>("--hub-pid") { Description = "The hub's process id, for its memory (default: the process listening on the hub's port)" };
        var fanout = new Command("fanout", "202 → receipt by every webhook subscriber and every open stream, and the hub's memory per stream, on a running hub.")
            { hub, adminKey, issuerKey, code, subscribers, streams, fanNotices, hubPid, json, markdown };
        fanout.SetAction((result, ct) => FanoutBench.RunAsync(new FanoutBench.Settings(new Uri(result.GetValue(hub)!), result.GetValue(adminKey)!,
            result.GetValue(issuerKey)!, result.GetValue(code)!, result.GetValue(subscribers), result.GetValue(streams), result.GetValue(fanNotices),
            result.GetValue(hubPid), result.GetValue(json), result.GetValue(markdown)), ct));
        return new Command("bench", "Measure the hub: latency and fan-out of a running hub with real local receivers, validation speed, geocoding.")
            { latency, fanout, validate, geo, BrokerBench.Command(), ReceiversBench.Command(), LoadCommand("burst", hub, adminKey, hubPid, json, markdown), LoadCommand("drill", hub, adminKey, hubPid, json, markdown) };
    }

    /// <summary>The load scenarios: the same run with the shape of the nationwide burst, or of the 2021 national drill.</summary>
    private static Command LoadCommand(string scenario, Option<string> hub, Option<string> adminKey, Option<int?> hubPid, Option<FileInfo?> json, Option<FileInfo?> markdown)
    {
        var burst = scenario == "burst";
        var issuers = new Option<int>("--issuers") { Description = "Issuers, each a municipality or ward with its own key (at most the 1,902 in the gazetteer)", DefaultValueFactory = _ => burst ? 1902 : 1442 };
        var notices = new Option<int>("--notices") { Description = "Notices, shared out over the issuers in turn", DefaultValueFactory = _ => burst ? 1902 : 19_942 };
        var webhooks = new Option<int>("--webhooks") { Description = "Webhook subscribers: the same number per prefecture, the rest national", DefaultValueFactory = _ => burst ? 200 : 500 };
        var streams = new Option<int>("--streams") { Description = "Open streams, shared out over the prefectures", DefaultValueFactory = _ => burst ? 5000 : 0 };
        var within = new Option<double>("--within") { Description = "Seconds over which the notices are submitted, each at its own moment (0: as fast as the hub accepts them)", DefaultValueFactory = _ => burst ? 1 : 0 };
        var concurrency = new Option<int>("--concurrency") { Description = "Connections to the hub for submitting", DefaultValueFactory = _ => burst ? 64 : 32 };
        var command = new Command(scenario, burst
            ? "Every municipality and ward issues a level 4 order within a second; submission → receipt at 200 webhooks and 5,000 streams."
            : "The 2021 national drill's volume: 19,942 notices from 1,442 issuers as fast as the hub accepts them, 500 webhook subscribers.")
            { hub, adminKey, issuers, notices, webhooks, streams, within, concurrency, hubPid, json, markdown };
        command.SetAction((result, ct) => LoadBench.RunAsync(new LoadBench.Settings(scenario, new Uri(result.GetValue(hub)!), result.GetValue(adminKey)!,
            result.GetValue(notices), result.GetValue(issuers), result.GetValue(webhooks), result.GetValue(streams),
            result.GetValue(within) > 0 ? TimeSpan.FromSeconds(result.GetValue(within)) : null, result.GetValue(concurrency),
            result.GetValue(hubPid), result.GetValue(json), result.GetValue(markdown)), ct));
        return command;
    }
}
