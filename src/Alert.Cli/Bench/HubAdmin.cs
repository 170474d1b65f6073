using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Alert.Cli.Bench;

/// <summary>The admin calls the benchmarks make to set a hub up and clear it again (subscribers, issuers).</summary>
public static class HubAdmin
{
    /// <summary>One request with the admin key; a body, if any, as JSON. The caller reads and disposes the answer.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string adminKey, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        return await http.SendAsync(request, ct);
    }

    /// <summary>
    /// Runs <paramref name="each"/> over the items, 8 at a time, counting them on stderr as <paramref name="what"/>;
    /// the first refusal it returns stops the rest and is returned.
    /// </summary>
    public static async Task<string?> EachAsync<T>(IReadOnlyList<T> items, string what, Func<T, CancellationToken, Task<string?>> each, CancellationToken ct)
    {
        string? refused = null;
        var done = 0;
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (item, token) =>
        {
            if (Volatile.Read(ref refused) is not null) return;
            if (await each(item, token) is { } problem) Interlocked.CompareExchange(ref refused, problem, null);
            if (Interlocked.Increment(ref done) % 100 == 0) Console.Error.Write($"\r{done:N0} {what}");
        });
        return refused;
    }
}
