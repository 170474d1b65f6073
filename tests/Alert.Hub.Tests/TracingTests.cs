using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alert.Core.Cap;
using Alert.Hub.Metrics;
using Alert.Hub.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Alert.Hub.Tests;

/// <summary>
/// One trace follows a notice from its intake request, through the outbox relay and the bus, to each webhook POST:
/// every activity of the trace has its parent in the trace, so nothing on the way starts a trace of its own.
/// </summary>
public abstract class TracingTests : IDisposable
{
    private readonly HubFixture _hub;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    protected TracingTests(HubFixture hub)
    {
        _hub = hub;
        // The sources the hub's tracer provider listens to when an endpoint is set, heard here without one. Read before
        // the listener is added: the hub's own source is made on that first read, and would miss a listener being added.
        var sources = HubTracing.Sources;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task One_trace_runs_from_the_intake_request_to_every_webhook_post()
    {
        // Twenty subscribers: one DeliverNotice message's worth, each POST its own span under that message's consume.
        var hooks = new List<string>();
        for (var i = 0; i < 20; i++) hooks.Add((await _hub.SubscribeAsync(["431001"])).Hook);
        var root = Root();
        var id = await PostTracedAsync(_hub, root);
        foreach (var hook in hooks) await _hub.Sink.WaitForDocumentAsync(hook, id);

        Dictionary<ActivitySpanId, Activity> trace = [];
        List<Activity> posts = [];
        await HubFixture.Eventually(() =>
        {
            trace = _stopped.Where(a => a.TraceId == root.TraceId).ToDictionary(a => a.SpanId);
            posts = [.. trace.Values.Where(a => a.Source.Name == "System.Net.Http" && hooks.Any(h => Url(a).EndsWith("/" + h, StringComparison.Ordinal)))];
            // A parent stops after its children: once every activity's parent has stopped too, the trace is whole.
            return Task.FromResult(posts.Count >= hooks.Count && trace.Values.All(a => a.ParentSpanId == root.SpanId || trace.ContainsKey(a.ParentSpanId)));
        }, "every webhook POST in the intake request's trace, with all its ancestors");

        hooks.ShouldAllBe(h => posts.Count(p => Url(p).EndsWith("/" + h, StringComparison.Ordinal)) == 1, "one POST span per delivery");
        var intake = trace.Values.Where(a => a.ParentSpanId == root.SpanId).ShouldHaveSingleItem();
        intake.Source.Name.ShouldBe("Microsoft.AspNetCore");
        intake.Kind.ShouldBe(ActivityKind.Server);
        foreach (var post in posts)
        {
            var path = new List<Activity>();
            for (var a = post; a is not null; a = trace.GetValueOrDefault(a.ParentSpanId)) path.Add(a);
            path.Select(Step).ShouldBe(
            [
                "System.Net.Http Client POST", "MassTransit Consumer webhook process", "MassTransit Consumer webhook receive",
                "MassTransit Producer DeliverNotice send", "MassTransit Consumer fan-out process", "MassTransit Consumer fan-out receive",
                "MassTransit Producer NoticeAccepted send", "Alert.Hub Internal outbox publish", "Microsoft.AspNetCore Server Microsoft.AspNetCore.Hosting.HttpRequestIn",
            ]);
        }
        // One message to many subscribers: the POSTs are siblings under one consume, not one consume each.
        posts.GroupBy(p => p.ParentSpanId).Max(g => g.Count()).ShouldBeGreaterThan(1);
    }

    /// <summary>
    /// Where an activity came from, its kind and name. A send is named by its destination, the message type's URN in
    /// memory and its exchange on RabbitMQ: both cut to the type's own name.
    /// </summary>
    private static string Step(Activity a) => $"{a.Source.Name} {a.Kind} {a.DisplayName[(a.DisplayName.LastIndexOf(':') + 1)..]}";

    private static string Url(Activity a) => a.GetTagItem("url.full") as string ?? "";

    /// <summary>A desk's own span, as its HTTP client would send it: the trace's root, sampled.</summary>
    internal static ActivityContext Root() => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    /// <summary>Posts an evacuation order for 熊本市 under <paramref name="root"/>; returns the notice's id.</summary>
    internal static async Task<string> PostTracedAsync(HubFixture hub, ActivityContext root)
    {
        var notice = CapWriter.Write(CapWriter.EvacuationOrder($"trace-{Guid.NewGuid():N}", "431001", "熊本市", DateTimeOffset.Now));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notices") { Content = new StringContent(notice, Encoding.UTF8, "application/cap+xml") };
        request.Headers.Authorization = new("Bearer", HubFixture.IssuerKey);
        request.Headers.Add("traceparent", $"00-{root.TraceId}-{root.SpanId}-01");
        using var response = await hub.Client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public void Dispose()
    {
        _listener.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class EmbeddedTracingTests(EmbeddedHub hub) : TracingTests(hub), IClassFixture<EmbeddedHub>;

[Trait("Category", "Infrastructure")]
[Collection(RealInfrastructure.Name)]
public sealed class RabbitPostgresTracingTests(RabbitPostgresHub hub) : TracingTests(hub);

/// <summary>With an OTLP endpoint set, the hub's spans reach it over http/protobuf, the intake request's trace among them.</summary>
public sealed class OtlpExportTests(OtlpHub otlp) : IClassFixture<OtlpHub>
{
    [Fact]
    public async Task Spans_of_a_notice_arrive_at_the_collector_as_protobuf()
    {
        var (_, hook) = await otlp.Hub.SubscribeAsync(["431001"]);
        var root = TracingTests.Root();
        var id = await TracingTests.PostTracedAsync(otlp.Hub, root);
        await otlp.Hub.Sink.WaitForDocumentAsync(hook, id);

        // Spans travel in batches; together, those holding this trace hold its steps. The trace id is 16 raw bytes.
        var traceId = new byte[16];
        root.TraceId.CopyTo(traceId);
        string[] names = ["alert-hub", "outbox publish", "fan-out process", "webhook process", "POST", "Microsoft.AspNetCore.Hosting.HttpRequestIn"];
        await HubFixture.Eventually(() =>
        {
            var ours = otlp.Collector.Received.Where(r => Contains(r.Body, traceId)).ToList();
            return Task.FromResult(names.All(n => ours.Any(r => Contains(r.Body, Encoding.UTF8.GetBytes(n)))));
        }, "the trace's spans at the collector");
        otlp.Collector.Received.ShouldAllBe(r => r.Path == "/v1/traces" && r.ContentType == "application/x-protobuf");
    }

    private static bool Contains(byte[] body, byte[] part) => body.AsSpan().IndexOf(part) >= 0;
}

/// <summary>An OTLP collector on 127.0.0.1 that keeps what it is sent, and an embedded hub exporting its traces there.</summary>
public sealed class OtlpHub : IAsyncLifetime
{
    private WebApplication? _collector;

    public FakeCollector Collector { get; } = new();

    public HubFixture Hub { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _collector = builder.Build();
        _collector.MapPost("/{**path}", Collector.ReceiveAsync);
        await _collector.StartAsync();
        Hub = new Exporting(_collector.Urls.First());
        await Hub.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        if (_collector is not null) await _collector.DisposeAsync();
    }

    private sealed class Exporting(string endpoint) : EmbeddedHub
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Batches leave every 5 s by default; sooner here, so the test waits less.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        };
    }

    public sealed class FakeCollector
    {
        public ConcurrentQueue<(string Path, string ContentType, byte[] Body)> Received { get; } = new();

        /// <summary>An empty body is an ExportTraceServiceResponse with nothing rejected.</summary>
        public async Task<IResult> ReceiveAsync(HttpRequest request)
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            Received.Enqueue((request.Path.Value ?? "", request.ContentType ?? "", body.ToArray()));
            return Results.Bytes([], "application/x-protobuf");
        }
    }
}
