using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alert.Hub.Tests.Hostile;

/// <summary>Rows in the tables a notice is written to (a refusal writes only its audit entry).</summary>
public sealed record Rows(long Documents, long Notices, long Outbox, long Deliveries, long Subscribers);

/// <summary>
/// Sends hostile requests to the in-process hub and checks what must hold for every one of them. Errors the hub logs
/// while a case runs (an exception behind a 500) are kept with its answer, for the report.
/// </summary>
public sealed class HostileProbe(HubFixture hub, LogCapture logs)
{
    /// <summary>Long enough for any honest request on a slow machine; a case that takes longer is reported as a hang.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public async Task<Rows> RowsAsync()
    {
        await using var connection = await hub.Services.GetRequiredService<Db>().OpenAsync();
        return await connection.QuerySingleAsync<Rows>("""
            SELECT (SELECT COUNT(*) FROM documents) AS documents, (SELECT COUNT(*) FROM notices) AS notices,
                   (SELECT COUNT(*) FROM outbox) AS outbox, (SELECT COUNT(*) FROM deliveries) AS deliveries,
                   (SELECT COUNT(*) FROM subscribers) AS subscribers
            """);
    }

    public async Task<HostileAnswer> SendAsync(HttpMethod method, string path, byte[]? body, string? contentType, string? key,
        bool chunked = false, Action<HttpRequestMessage>? configure = null, bool headersOnly = false)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            HttpContent content = chunked ? new StreamContent(new NonSeekable(body)) : new ByteArrayContent(body);
            content.Headers.ContentType = null;
            if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            request.Content = content;
        }
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        configure?.Invoke(request);

        var mark = logs.Mark();
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(Timeout);
        // The in-process server runs the request on the caller's thread until it first waits: on another thread, a
        // request that never yields still lets the timeout end the wait (the hub goes on with it in the background).
        var sending = Task.Run(async () =>
        {
            using var response = await hub.Client.SendAsync(request, headersOnly ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, timeout.Token);
            // A stream that opened by mistake is not read: its headers say enough.
            var text = headersOnly && response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync(timeout.Token);
            return ((int?)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
        });
        try
        {
            var (status, media, text) = await sending.WaitAsync(timeout.Token);
            return new HostileAnswer(status, media, text, clock.Elapsed, logs.Since(mark));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new HostileAnswer(null, null, $"no answer within {Timeout.TotalSeconds:N0} s", clock.Elapsed, logs.Since(mark));
        }
    }

    /// <summary>
    /// Posts a notice case and returns every rule it broke (empty: it was handled as it must be). The rows are
    /// counted before and after; a 202 must be a body the hub's own dry run calls valid.
    /// </summary>
    public async Task<(HostileAnswer Answer, List<string> Violations)> PostNoticeAsync(HostileCase c)
    {
        var before = await RowsAsync();
        var answer = await SendAsync(HttpMethod.Post, c.PathAndQuery("/api/v1/notices"), c.Body, c.ContentType, HubFixture.IssuerKey, c.Chunked);
        var after = await RowsAsync();
        var violations = Common(answer);

        if (answer.Status == 202)
        {
            if (!c.Expect.AllowsValidAccept)
                violations.Add($"accepted (202) where only {string.Join("/", c.Expect.Statuses!)} will do");
            var dry = await SendAsync(HttpMethod.Post, c.PathAndQuery("/api/v1/notices/validate"), c.Body, c.ContentType, HubFixture.IssuerKey, c.Chunked);
            var valid = dry.Status == 200 && JsonDocument.Parse(dry.Body).RootElement.GetProperty("valid").GetBoolean();
            if (!valid) violations.Add($"accepted (202) although the dry run does not call it valid: {dry.Status} {dry.Excerpt}");
        }
        else if (answer.Status is >= 400 and < 500)
        {
            if (after != before) violations.Add($"refused with {answer.Status} but rows changed: {before} → {after}");
            if (c.Expect.Statuses is { } statuses && !statuses.Contains(answer.Status.Value))
                violations.Add($"answered {answer.Status}, expected {string.Join(" or ", statuses)}");
        }
        else if (answer.Status is not null and < 500)
            violations.Add($"unexpected status {answer.Status}");
        else if (answer.Status >= 500 && after != before)
            violations.Add($"and rows changed: {before} → {after}");

        if (answer.Status is >= 400 and < 500 && c.Expect.Codes is { } codes && ProblemCodes(answer) is var found && !codes.Any(found.Contains))
            violations.Add($"problem codes [{string.Join(", ", found)}], expected one of [{string.Join(", ", codes)}]");
        if (c.Check?.Invoke(answer) is { } broken) violations.Add(broken);
        return (answer, violations);
    }

    /// <summary>
    /// What every answer must be: given in time, not 5xx, and a 4xx as problem+json with a code and, per error, its
    /// code, where (path, line, column: present, possibly null) and what to do in Japanese and English.
    /// </summary>
    public static List<string> Common(HostileAnswer answer)
    {
        var violations = new List<string>();
        if (answer.Status is null)
        {
            violations.Add($"hang: {answer.Body}");
            return violations;
        }
        if (answer.Status >= 500)
        {
            violations.Add($"server error {answer.Status}: {answer.Excerpt}{(answer.Errors.Count > 0 ? "\n      logged: " + string.Join("\n      logged: ", answer.Errors) : "")}");
            return violations;
        }
        if (answer.Status is >= 400 and < 500 && ProblemShape(answer) is { } wrong) violations.Add(wrong);
        return violations;
    }

    public static string? ProblemShape(HostileAnswer answer)
    {
        if (answer.MediaType != "application/problem+json") return $"{answer.Status} answered as {answer.MediaType ?? "no content type"}, not application/problem+json: {answer.Excerpt}";
        JsonElement problem;
        try
        {
            problem = JsonDocument.Parse(answer.Body).RootElement;
        }
        catch (JsonException ex)
        {
            return $"{answer.Status} problem is not JSON ({ex.Message}): {answer.Excerpt}";
        }
        if (!problem.TryGetProperty("code", out var code) || code.ValueKind != JsonValueKind.String || code.GetString()!.Length == 0)
            return $"{answer.Status} problem without a code: {answer.Excerpt}";
        if (!problem.TryGetProperty("errors", out var errors)) return null;
        if (errors.ValueKind != JsonValueKind.Array) return $"{answer.Status} problem whose errors are not a list: {answer.Excerpt}";
        foreach (var error in errors.EnumerateArray())
        {
            foreach (var text in (string[])["code", "ja", "en"])
                if (!error.TryGetProperty(text, out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Trim().Length == 0)
                    return $"{answer.Status} problem with an error lacking '{text}': {error}";
            foreach (var where in (string[])["path", "line", "column"])
                if (!error.TryGetProperty(where, out _))
                    return $"{answer.Status} problem with an error lacking '{where}': {error}";
        }
        return null;
    }

    public static HashSet<string> ProblemCodes(HostileAnswer answer)
    {
        var codes = new HashSet<string>();
        try
        {
            var problem = JsonDocument.Parse(answer.Body).RootElement;
            if (problem.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String) codes.Add(code.GetString()!);
            if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                foreach (var error in errors.EnumerateArray())
                    if (error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String) codes.Add(c.GetString()!);
        }
        catch (JsonException)
        {
        }
        return codes;
    }

    /// <summary>A body that cannot tell its length, so the client sends it chunked.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}

/// <summary>Keeps the errors the hub logs (with their exceptions), so a 500 can be reported with its cause.</summary>
public sealed partial class LogCapture : ILoggerProvider
{
    [System.Text.RegularExpressions.GeneratedRegex(@" in \S*?/(src/[^:]+:line \d+)")]
    private static partial System.Text.RegularExpressions.Regex SourcePath();

    private readonly ConcurrentQueue<(long Seq, string Text)> _entries = new();
    private long _seq;

    public long Mark() => Interlocked.Read(ref _seq);

    public IReadOnlyList<string> Since(long mark) => _entries.Where(e => e.Seq > mark).Select(e => e.Text).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var text = new StringBuilder($"{logLevel} {category}: {formatter(state, exception)}");
            if (exception is not null)
            {
                // Where it was thrown, then the hub's own frames that led there.
                var frames = (exception.StackTrace ?? "").Split('\n').Select(l => SourcePath().Replace(l.Trim(), " ($1)")).Where(l => l.Length > 0).Distinct().ToList();
                text.Append(" — ").Append(exception.GetType().FullName).Append(": ").Append(exception.Message).Append(' ')
                    .Append(string.Join(" ← ", frames.Take(1).Concat(frames.Skip(1).Where(f => f.StartsWith("at Alert.", StringComparison.Ordinal)).Take(5))));
            }
            owner._entries.Enqueue((Interlocked.Increment(ref owner._seq), text.ToString()));
        }
    }
}
