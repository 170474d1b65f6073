using System.Diagnostics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Alert.Hub.Metrics;

/// <summary>
/// Traces over OTLP, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. The activities come from where the work is
/// done: ASP.NET Core (<c>Microsoft.AspNetCore</c>), HttpClient (<c>System.Net.Http</c>) and MassTransit
/// (<c>MassTransit</c>, which carries the trace context in its message headers) emit their own; the hub adds one, the
/// outbox relay's publish, which joins the bus to the trace of the request that stored the notice.
/// </summary>
public static class HubTracing
{
    public const string ServiceName = "alert-hub";

    /// <summary>An activity source makes nothing while nobody listens: without an endpoint the relay's costs a null check.</summary>
    public static readonly ActivitySource Source = new(HubMetrics.MeterName);

    /// <summary>The sources a trace of a notice is made of, from its intake to each webhook POST.</summary>
    public static readonly string[] Sources = [HubMetrics.MeterName, "Microsoft.AspNetCore", "MassTransit", "System.Net.Http"];

    public static IServiceCollection AddHubTracing(this IServiceCollection services, IConfiguration configuration)
    {
        // OpenTelemetry's own variable, which its exporter reads from configuration (the environment, appsettings or
        // Alert's settings) with the rest of OTEL_*: nothing set, no tracer provider listens and no activity is made.
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceVersion: typeof(HubTracing).Assembly.GetName().Version?.ToString()))
            .WithTracing(t => t.AddSource(Sources).AddOtlpExporter());
        return services;
    }
}
