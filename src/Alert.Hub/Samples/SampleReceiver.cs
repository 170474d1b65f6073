using System.Collections.Concurrent;
using Alert.Core.Cap;
using Alert.Hub.Limits;

namespace Alert.Hub.Samples;

/// <summary>
/// A webhook receiver inside the hub for the embedded default, so a newcomer sees a delivery happen without
/// running anything else. It keeps the last 100 notices in memory and drops repeats by Idempotency-Key, as a
/// real receiver should.
/// </summary>
public static class SampleReceiver
{
    public sealed record Received(DateTimeOffset At, string IdempotencyKey, string Identifier, string MsgType, string Title);

    private static readonly ConcurrentQueue<Received> Log = new();
    private static readonly ConcurrentDictionary<string, byte> Seen = new();

    public static IEndpointRouteBuilder MapSampleReceiver(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/sample/receiver").WithTags("Sample").ExcludeFromDescription().WithMetadata(BodyLimits.Notices);
        group.MapPost("/", async (HttpRequest request) =>
        {
            var key = request.Headers["Idempotency-Key"].ToString();
            if (!Seen.TryAdd(key, 0)) return Results.Ok(); // a repeat: acknowledged, not shown twice
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            body.Position = 0;
            var alert = CapReader.Read(body).Alert;
            Log.Enqueue(new Received(DateTimeOffset.UtcNow, key, alert?.Identifier ?? "?", alert?.MsgType ?? "?", alert?.Title ?? "(unreadable)"));
            while (Log.Count > 100) Log.TryDequeue(out _);
            return Results.Ok();
        });
        group.MapGet("/", () => Results.Ok(Log.Reverse()));
        return app;
    }
}
