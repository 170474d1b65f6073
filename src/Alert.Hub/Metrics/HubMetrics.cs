using System.Diagnostics.Metrics;
using Alert.Hub.Streams;

namespace Alert.Hub.Metrics;

/// <summary>
/// The hub's own instruments, one meter per host (made by the host's <see cref="IMeterFactory"/>, so two hubs in one
/// process count apart). Names follow OpenTelemetry's conventions; <c>/metrics</c> shows them the Prometheus way.
/// </summary>
public sealed class HubMetrics
{
    public const string MeterName = "Alert.Hub";

    /// <summary>From a few milliseconds (one notice validated) to the tens of seconds a webhook may wait on retries.</summary>
    private static readonly double[] Seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    public HubMetrics(IMeterFactory meters, IServiceProvider services)
    {
        var meter = meters.Create(MeterName);
        Histogram<double> Duration(string name, string description) =>
            meter.CreateHistogram(name, "s", description, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });

        Notices = meter.CreateCounter<long>("alert.intake.notices", "{notice}", "Notices submitted, by outcome (accepted, refused) and the refusal's code");
        Intake = Duration("alert.intake.duration", "From a submission's body read to its answer: validation, geocoding, signature and storage");
        Checks = Duration("alert.intake.check.duration", "Validation and geocoding of one submission (no database)");
        Commits = meter.CreateHistogram("alert.intake.commit.notices", "{notice}",
            "New notices stored by one intake transaction: on PostgreSQL, those that arrive while one commits share the next",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 50] });
        Geocoding = Duration("alert.intake.geocode.duration", "The geocoding part of a submission's check: addresses placed, codes and shapes to areas");
        FanOut = Duration("alert.fanout.duration", "One revision matched against the subscribers and its deliveries written and queued");
        FannedOut = meter.CreateCounter<long>("alert.fanout.deliveries", "{delivery}", "Deliveries created by the fan-out");
        Deliveries = meter.CreateCounter<long>("alert.webhook.deliveries", "{delivery}", "Webhook deliveries reaching a state: delivered, retrying, dead, superseded");
        Posts = Duration("alert.webhook.post.duration", "One webhook POST, from sending to the receiver's answer, by outcome (ok, failed)");
        Delay = Duration("alert.webhook.delay", "From a delivery's creation by the fan-out to its receipt");
        Exchanged = meter.CreateCounter<long>("alert.amqp.messages", "{message}", "Messages confirmed on the AMQP notice exchange (one per revision and municipality or ward)");
        StreamEvents = meter.CreateCounter<long>("alert.stream.events", "{event}", "Events offered to open streams (one per stream)");
        meter.CreateObservableUpDownCounter("alert.stream.open", () => services.GetRequiredService<StreamHub>().Count, "{stream}",
            "Server-sent event streams open on this hub");
    }

    public Counter<long> Notices { get; }
    public Histogram<double> Intake { get; }
    public Histogram<double> Checks { get; }
    public Histogram<double> Commits { get; }
    public Histogram<double> Geocoding { get; }
    public Histogram<double> FanOut { get; }
    public Counter<long> FannedOut { get; }
    public Counter<long> Deliveries { get; }
    public Histogram<double> Posts { get; }
    public Histogram<double> Delay { get; }
    public Counter<long> Exchanged { get; }
    public Counter<long> StreamEvents { get; }
}
