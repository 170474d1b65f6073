using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alert.Hub.Storage;
using Alert.Hub.Tests.Support;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetTopologySuite.IO;

namespace Alert.Hub.Tests;

/// <summary>Every log entry and scope the hub makes, at every level, as text: message, state values, exception.</summary>
public sealed class EverythingLogged : ILoggerProvider
{
    public ConcurrentQueue<(string Category, string Text)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private static string Values(object? state) => state is IEnumerable<KeyValuePair<string, object?>> pairs
        ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
        : "";

    private sealed class Logger(EverythingLogged owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Entries.Enqueue((category, $"scope {state} {Values(state)}"));
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((category, $"{logLevel} {formatter(state, exception)} {Values(state)} {exception}"));
    }
}

/// <summary>The embedded hub logging everything, down to Trace, into <see cref="Logs"/> from its start.</summary>
public sealed class LoggedHub : EmbeddedHub
{
    public EverythingLogged Logs { get; } = new();

    // appsettings.json quietens these categories; here they say all they can.
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging:LogLevel:MassTransit"] = "Trace",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Trace",
    };

    protected override void Configure(IWebHostBuilder builder) => builder.ConfigureLogging(logging => logging.AddProvider(Logs));
}

/// <summary>Keys, webhook secrets and signatures never reach the log, even at Trace.</summary>
public class SecretsInLogsTests(LoggedHub hub) : IClassFixture<LoggedHub>
{
    [Fact]
    public async Task No_key_secret_or_signature_appears_in_any_log_entry_or_scope()
    {
        using var accepted = await hub.PostCapAsync(Limits.Notice($"logs-{Guid.NewGuid():N}"));
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        const string unknownKey = "ak_0123456789abcdef0123456789abcdef0123456789abcdef";
        using var unknown = await hub.SendAsync(HttpMethod.Get, "/api/v1/subscribers", null, unknownKey);
        unknown.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var hook = Guid.NewGuid().ToString("N");
        using var created = await hub.SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers",
            new { name = "logs", kind = "signage", url = hub.Sink.Url(hook), areaCodes = new[] { "431001" } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var subscriber = await created.Content.ReadFromJsonAsync<JsonElement>();
        var firstSecret = subscriber.GetProperty("secret").GetString()!;
        using var rotated = await hub.SendAsAdminAsync(HttpMethod.Post, $"/api/v1/subscribers/{subscriber.GetProperty("id").GetString()}/secret");
        var secret = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        secret.ShouldNotBe(firstSecret);

        using var delivered = await hub.PostCapAsync(Limits.Notice($"logs-{Guid.NewGuid():N}"));
        delivered.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await delivered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var signature = (await hub.Sink.WaitForDocumentAsync(hook, id)).Signature.ShouldNotBeNull();
        var mac = signature.Split("v1=")[1];

        var entries = hub.Logs.Entries.ToList();
        // The log did see the requests and the webhook's HTTP client at its most talkative, headers and all.
        entries.ShouldContain(e => e.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal) && e.Text.StartsWith("Trace", StringComparison.Ordinal));
        entries.ShouldContain(e => e.Text.Contains("X-Alert-Signature", StringComparison.OrdinalIgnoreCase));
        entries.ShouldContain(e => e.Text.Contains("/api/v1/subscribers", StringComparison.Ordinal));
        foreach (var (what, value) in new[]
                 {
                     ("the issuer's key", HubFixture.IssuerKey), ("the admin key", HubFixture.AdminKey), ("an unknown key", unknownKey),
                     ("the first webhook secret", firstSecret), ("the rotated webhook secret", secret), ("a signature", mac),
                 })
            entries.Where(e => e.Text.Contains(value, StringComparison.Ordinal)).Select(e => $"{e.Category}: {e.Text}").ShouldBeEmpty($"{what} was logged");
    }
}

/// <summary>The embedded hub in the Development environment, where ASP.NET Core would show its exception page.</summary>
public sealed class DevelopmentHub : EmbeddedHub
{
    protected override void Configure(IWebHostBuilder builder) => builder.UseEnvironment("Development");
}

/// <summary>
/// An exception no handler expects (here: a stored shape the hub cannot read back) is answered as problem+json with a
/// code and a trace id, never its type, message or stack, whatever the client accepts and whatever the environment.
/// </summary>
public abstract class UnexpectedErrorTests(HubFixture hub)
{
    [Theory]
    [InlineData(null)]
    [InlineData("text/html")]
    [InlineData("application/json")]
    public async Task An_unexpected_exception_is_a_500_problem_without_its_details(string? accept)
    {
        var (response, thrown) = await FailAsync(hub, accept);
        using var _ = response;

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var text = await response.Content.ReadAsStringAsync();
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("code").GetString().ShouldBe("server.error");
        problem.GetProperty("traceId").GetString().ShouldNotBeNullOrWhiteSpace();
        problem.GetProperty("errors").EnumerateArray().ShouldHaveSingleItem().GetProperty("ja").GetString().ShouldNotBeNullOrWhiteSpace();
        text.ShouldNotContain(thrown.Message);
        text.ShouldNotContain(thrown.GetType().Name);
        text.ShouldNotContain("Exception");
        text.ShouldNotContain(" at ");
        text.ShouldNotContain("NetTopologySuite");
    }

    /// <summary>Asks for the area of a notice whose stored shape is broken; answers the response and what reading the shape throws.</summary>
    public static async Task<(HttpResponseMessage Response, Exception Thrown)> FailAsync(HubFixture hub, string? accept)
    {
        using var accepted = await hub.PostCapAsync(Limits.Notice($"broken-{Guid.NewGuid():N}"));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        byte[] garbage = [0x01, 0x63, 0x00, 0x00, 0x00, 0x2A];
        var thrown = Should.Throw<Exception>(() => new WKBReader().Read(garbage));
        await using (var connection = await hub.Services.GetRequiredService<Db>().OpenAsync())
            await connection.ExecuteAsync("UPDATE notices SET area_wkb = @garbage WHERE document_id = @id", new { garbage, id });

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/notices/{id}/area");
        if (accept is not null) request.Headers.Add("Accept", accept);
        return (await hub.Client.SendAsync(request), thrown);
    }
}

/// <summary>What the caller is not told is in the log, under the trace id the caller was given, for the operators.</summary>
public sealed class UnexpectedErrorsAreLogged(LoggedHub hub) : IClassFixture<LoggedHub>
{
    [Fact]
    public async Task An_unexpected_exception_is_logged_with_the_trace_id_the_caller_got()
    {
        var (response, thrown) = await UnexpectedErrorTests.FailAsync(hub, null);
        using var _ = response;
        var traceId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traceId").GetString()!;

        hub.Logs.Entries.ShouldContain(e => e.Category == "Alert.Hub.HubProblems.Unexpected"
            && e.Text.Contains(traceId, StringComparison.Ordinal) && e.Text.Contains(thrown.GetType().Name, StringComparison.Ordinal));
    }
}

public class UnexpectedErrorsInProduction(EmbeddedHub hub) : UnexpectedErrorTests(hub), IClassFixture<EmbeddedHub>;

public class UnexpectedErrorsInDevelopment(DevelopmentHub hub) : UnexpectedErrorTests(hub), IClassFixture<DevelopmentHub>;
