using Alert.Core.Codes;
using Alert.Geo;
using Alert.Hub.Alerts;
using Alert.Hub.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Signage;

/// <summary>
/// What a signage page needs, without a key (a sign has nowhere safe to keep one): the page itself for any device id,
/// and the display's settings with the municipality at its point, which the page watches through the public stream
/// and the public alerts query.
/// </summary>
public static class SignageApi
{
    /// <param name="StaleAfterSeconds">Silence on the stream longer than this (about two heartbeats) marks the screen stale.</param>
    public sealed record SignageAnswer(string Id, string Name, Point Location, AlertArea Area, int MinLevel, Peacetime Peacetime,
        IReadOnlyList<string> Languages, string Status, int StaleAfterSeconds);

    public static IEndpointRouteBuilder MapSignage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/signage/{deviceId}", Get).WithTags("Signage");
        // Braces are doubled in a route template. The pattern has no dot, so /signage/signage.js stays a static file.
        app.MapGet("/signage/{deviceId:regex(" + DisplaysApi.IdPattern.Replace("{", "{{").Replace("}", "}}") + ")}",
            (IWebHostEnvironment environment) => TypedResults.PhysicalFile(Path.Combine(environment.WebRootPath, "signage", "index.html"), "text/html; charset=utf-8"))
            .WithTags("Signage");
        return app;
    }

    private static async Task<Results<Ok<SignageAnswer>, ProblemHttpResult>> Get(string deviceId, DisplayStore store, Gazetteer gazetteer, IOptions<StreamOptions> streams)
    {
        if (await store.FindAsync(deviceId) is not { } display) return DisplaysApi.NotFound(deviceId);
        // Registered displays stand inside a municipality; the boundaries only change with a new data release.
        var area = AlertArea.At(gazetteer, display.Location.Lat, display.Location.Lng) ?? new AlertArea("", "");
        return TypedResults.Ok(new SignageAnswer(display.Id, display.Name, display.Location, area, display.MinLevel, display.Peacetime,
            display.Languages, display.Status, (int)Math.Ceiling(streams.Value.Heartbeat.TotalSeconds * 2.5)));
    }
}
