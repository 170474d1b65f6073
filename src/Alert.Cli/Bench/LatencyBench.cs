using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alert.Cli.Sink;
using Alert.Core.Cap;

namespace Alert.Cli.Bench;

/// <summary>
/// How long one notice takes from the issuer's POST to a subscriber's webhook, one at a time on a quiet hub.
/// Notices are sent with status Test so they reach only the benchmark's own subscriber and no public feed.
/// </summary>
public static class LatencyBench
{
    public sealed record Settings(Uri Hub, string AdminKey, string IssuerKey, string Code, int Count, FileInfo? Json);

    private const int Warmup = 5;
    private static readonly string[] TestOnly = ["Test"];

    public static async Task<int> RunAsync(Settings settings, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = settings.Hub, Timeout = TimeSpan.FromSeconds(30) };
        await using var sink = await WebhookSink.StartAsync();
        var hook = "bench-" + Guid.NewGuid().ToString("N")[..8];

        using var subscribed = await HubAdmin.SendAsync(http, settings.AdminKey, HttpMethod.Post, "/api/v1/subscribers",
            new { name = $"latency bench {hook}", kind = "other", url = sink.Url(hook), areaCodes = new[] { settings.Code }, statuses = TestOnly }, ct);
        if (!subscribed.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"Could not add the benchmark's subscriber: {(int)subscribed.StatusCode} {await subscribed.Content.ReadAsStringAsync(ct)}");
            return 2;
        }
        var subscriberId = (await subscribed.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();

        try
        {
            var accepted = new List<double>();
            var delivered = new List<double>();
            for (var i = 0; i < Warmup + settings.Count; i++)
            {
                var alert = CapWriter.EvacuationOrder($"bench-{hook}-{i}", settings.Code, "bench", DateTimeOffset.Now, status: "Test");
                using var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notices")
                {
                    Content = new StringContent(CapWriter.Write(alert), Encoding.UTF8, "application/cap+xml"),
                };
                post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.IssuerKey);

                var started = DateTimeOffset.UtcNow;
                var clock = Stopwatch.StartNew();
                using var response = await http.SendAsync(post, ct);
                var toAccepted = clock.Elapsed.TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"Notice {i} refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                    return 2;
                }
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
                var toDelivered = ((await sink.WaitForDocumentAsync(hook, id, TimeSpan.FromSeconds(60))).At - started).TotalMilliseconds;
                if (i < Warmup) continue;
                accepted.Add(toAccepted);
                delivered.Add(toDelivered);
                if ((i - Warmup + 1) % 10 == 0) Console.Error.Write($"\r{i - Warmup + 1}/{settings.Count}");
            }
            Console.Error.WriteLine();

            var rows = new[] { Summary.Of("POST → 202 Accepted", accepted), Summary.Of("POST → webhook received", delivered) };
            Console.WriteLine($"Hub {settings.Hub}, {settings.Count} notices one at a time ({Warmup} warm-up notices not counted), ms:");
            Console.WriteLine($"{"",-26}{"median",9}{"p95",9}{"max",9}{"min",9}");
            foreach (var row in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Name,-26}{row.Median,9:F1}{row.P95,9:F1}{row.Max,9:F1}{row.Min,9:F1}"));
            await BenchFiles.WriteAsync(null, "", settings.Json, new { hub = settings.Hub, settings.Count, rows }, ct);
            return 0;
        }
        finally
        {
            using var _ = await HubAdmin.SendAsync(http, settings.AdminKey, HttpMethod.Delete, $"/api/v1/subscribers/{subscriberId}", null, CancellationToken.None);
        }
    }

    public sealed record Summary(string Name, double Median, double P95, double Max, double Min)
    {
        public static Summary Of(string name, List<double> values)
        {
            var sorted = values.Order().ToList();
            return new Summary(name, sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2,
                Percentiles.At(sorted, 0.95), sorted[^1], sorted[0]);
        }
    }
}
