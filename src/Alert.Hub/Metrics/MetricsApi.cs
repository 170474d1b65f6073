using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;

namespace Alert.Hub.Metrics;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text format: the hub's instruments, ASP.NET Core's and Kestrel's (requests,
/// connections), and, read at each scrape, what waits: unsent outbox rows and deliveries by state from the database,
/// messages in the hub's queues from RabbitMQ.
/// Public, like <c>/health</c>: counts and timings, no notice content. Put it behind the network's own rules.
/// </summary>
public static class MetricsApi
{
    private static readonly string[] Waiting = ["pending", "retrying", "sending"];

    public static IServiceCollection AddHubMetrics(this IServiceCollection services) =>
        services.AddSingleton<HubMetrics>().AddSingleton<MetricsCollector>();

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        // Made now, so that it listens from the start, not from the first scrape.
        var collector = app.ServiceProvider.GetRequiredService<MetricsCollector>();
        app.MapGet("/metrics", async (Db db, ErrorQueues queues, CancellationToken ct) =>
        {
            var text = new StringBuilder();
            collector.Write(text);
            await WaitingAsync(text, db, ct);
            await QueuesAsync(text, queues, ct);
            return TypedResults.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
        }).WithTags("Health");
        return app;
    }

    /// <summary>Both queries are answered from partial indexes that hold only the rows still waiting.</summary>
    private static async Task WaitingAsync(StringBuilder text, Db db, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var (unsent, oldest) = await connection.QuerySingleAsync<(long, DateTimeOffset?)>(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL");
        var states = (await connection.QueryAsync<(string State, long Count)>("""
            SELECT state, COUNT(*) FROM deliveries WHERE state IN ('pending', 'retrying', 'sending') GROUP BY state
            """)).ToDictionary(r => r.State, r => r.Count);
        MetricsCollector.Gauge(text, "alert_outbox_unsent", "Outbox rows not yet published to the bus", [("", unsent)]);
        MetricsCollector.Gauge(text, "alert_outbox_lag_seconds", "Age of the oldest outbox row not yet published (0: none waiting)",
            [("", oldest is { } at ? Math.Max(0, (DateTimeOffset.UtcNow - at).TotalSeconds) : 0)]);
        MetricsCollector.Gauge(text, "alert_webhook_waiting", "Webhook deliveries not yet answered, by state",
            Waiting.Select(s => ($"state=\"{s}\"", (double)states.GetValueOrDefault(s))).ToList());
    }

    /// <summary>The hub's RabbitMQ queues, read with a passive declare each; nothing on the in-memory bus, whose queues are in the process.</summary>
    private static async Task QueuesAsync(StringBuilder text, ErrorQueues queues, CancellationToken ct)
    {
        if (!queues.Apply) return;
        List<(string Queue, uint Ready, uint Consumers)> depths;
        try
        {
            depths = await queues.DepthsAsync(ct);
        }
        catch (Exception ex) when (ErrorQueues.Unreachable(ex))
        {
            // The rest of the scrape still counts; a broker away shows as these series missing, and in /health.
            return;
        }
        MetricsCollector.Gauge(text, "alert_queue_messages", "Messages in the hub's RabbitMQ queues, by queue and state (ready: waiting for a consumer)",
            depths.Select(d => ($"queue=\"{d.Queue}\",state=\"ready\"", (double)d.Ready)).ToList());
        MetricsCollector.Gauge(text, "alert_queue_consumers", "Consumers of the hub's RabbitMQ queues (every hub instance's)",
            depths.Select(d => ($"queue=\"{d.Queue}\"", (double)d.Consumers)).ToList());
    }
}

/// <summary>
/// Listens to this host's meters and keeps, per instrument and set of tags, a sum (counters), a last value (gauges)
/// or buckets (histograms), and writes them as Prometheus text. Only meters made by this host's factory: a test
/// process holding several hubs counts each apart.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private static readonly string[] Meters = [HubMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private sealed class Series(double[]? buckets)
    {
        public double Value;
        public long Count;
        public readonly long[]? Buckets = buckets is null ? null : new long[buckets.Length];
    }

    /// <summary>An instrument's series by labels; its bucket bounds, read once (null: not a histogram).</summary>
    private sealed record Metric(double[]? Bounds)
    {
        public readonly ConcurrentDictionary<string, Series> Series = new();
    }

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Metric> _metrics = new();

    public MetricsCollector(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && Meters.Contains(instrument.Meter.Name)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, m, tags, _) => Record(i, m, tags));
        _listener.SetMeasurementEventCallback<int>((i, m, tags, _) => Record(i, m, tags));
        _listener.SetMeasurementEventCallback<double>((i, m, tags, _) => Record(i, m, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var metric = _metrics.GetOrAdd(instrument, i => new Metric(Bounds(i)));
        var bounds = metric.Bounds;
        var series = metric.Series.GetOrAdd(Labels(tags), _ => new Series(bounds));
        lock (series)
        {
            if (bounds is not null)
            {
                series.Value += value;
                series.Count++;
                // The first bound at or above the value: BinarySearch gives its index, or its complement when between bounds.
                var at = Array.BinarySearch(bounds, value);
                if (at < 0) at = ~at;
                if (at < bounds.Length) series.Buckets![at]++;
            }
            else if (instrument.IsObservable) series.Value = value; // an observation is the whole value
            else series.Value += value;
        }
    }

    private static double[]? Bounds(Instrument instrument) => instrument is Histogram<double> h
        ? h.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBuckets
        : instrument is Histogram<long> or Histogram<int> ? DefaultBuckets : null;

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
            pairs.Add($"{key.Replace('.', '_')}=\"{Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")}\"");
        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    /// <summary>
    /// Prometheus' names: dots become underscores, seconds get <c>_seconds</c>, counters <c>_total</c>
    /// (<c>alert.intake.duration</c> in s is <c>alert_intake_duration_seconds</c>).
    /// </summary>
    private static string Name(Instrument instrument) =>
        instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : "");

    public void Write(StringBuilder text)
    {
        _listener.RecordObservableInstruments();
        foreach (var (instrument, metric) in _metrics.OrderBy(s => Name(s.Key), StringComparer.Ordinal))
        {
            var name = Name(instrument);
            var kind = instrument switch
            {
                Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => "counter",
                Histogram<double> or Histogram<long> or Histogram<int> => "histogram",
                _ => "gauge",
            };
            if (kind == "counter") name += "_total";
            text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description?.Replace("\n", " ") ?? instrument.Name).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
            foreach (var (labels, s) in metric.Series.OrderBy(s => s.Key, StringComparer.Ordinal))
                lock (s)
                {
                    if (kind != "histogram")
                    {
                        Line(text, name, labels, s.Value);
                        continue;
                    }
                    var bounds = metric.Bounds!;
                    long cumulative = 0;
                    for (var i = 0; i < bounds.Length; i++)
                    {
                        cumulative += s.Buckets![i];
                        Line(text, name + "_bucket", Join(labels, $"le=\"{Number(bounds[i])}\""), cumulative);
                    }
                    Line(text, name + "_bucket", Join(labels, "le=\"+Inf\""), s.Count);
                    Line(text, name + "_sum", labels, s.Value);
                    Line(text, name + "_count", labels, s.Count);
                }
        }
    }

    /// <summary>A gauge read elsewhere (the database), written in the same format.</summary>
    public static void Gauge(StringBuilder text, string name, string help, IReadOnlyList<(string Labels, double Value)> values)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" gauge\n");
        foreach (var (labels, value) in values) Line(text, name, labels, value);
    }

    private static string Join(string labels, string more) => labels.Length == 0 ? more : labels + "," + more;

    private static void Line(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string Number(double value) => double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _listener.Dispose();
}
