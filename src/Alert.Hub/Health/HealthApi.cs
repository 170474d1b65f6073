using System.Text.Json;
using Alert.Geo;
using Alert.Hub.Messaging;
using Alert.Hub.Storage;
using Dapper;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Alert.Hub.Health;

/// <summary>
/// /health/live: the process answers. /health/ready: it can accept notices (database reachable, bus connected,
/// gazetteer loaded), with each check's state in JSON for an operator.
/// </summary>
public static class HealthApi
{
    public static IServiceCollection AddHubHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: ["ready"])
            .AddCheck<GazetteerCheck>("gazetteer", tags: ["ready"])
            .AddCheck<ErrorQueues.Check>("errors", tags: ["ready"]);
        return services;
    }

    public static IEndpointRouteBuilder MapHubHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteJson });
        return app;
    }

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        }));
    }

    private sealed class DatabaseCheck(Db db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var connection = await db.OpenAsync(cancellationToken);
                await connection.ExecuteScalarAsync<int>("SELECT 1");
                return HealthCheckResult.Healthy(db.Describe());
            }
            catch (System.Data.Common.DbException ex)
            {
                return HealthCheckResult.Unhealthy($"{db.Describe()}: {ex.Message}");
            }
        }
    }

    private sealed class GazetteerCheck(Gazetteer gazetteer) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(gazetteer.MunicipalityCount > 0
                ? HealthCheckResult.Healthy($"{gazetteer.MunicipalityCount} municipalities and wards")
                : HealthCheckResult.Unhealthy("no municipalities loaded"));
    }
}
