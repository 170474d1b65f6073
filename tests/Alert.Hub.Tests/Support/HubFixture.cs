using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alert.Cli.Sink;
using Alert.Core.Cap;
using Alert.Hub.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Alert.Hub.Tests.Support;

/// <summary>
/// One hub in-process (WebApplicationFactory) and one real webhook receiver on 127.0.0.1. Subclasses choose the
/// transport and database: the embedded default, or the real RabbitMQ and PostgreSQL that ops/test starts.
/// </summary>
public abstract class HubFixture : IAsyncLifetime
{
    public const string IssuerKey = "test-issuer-key";
    public const string AdminKey = "test-admin-key";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "alert-hub-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Where the hub keeps its SQLite database and files: a second hub given it works on the same ones.</summary>
    public string DataDirectory => _dataDirectory;
    private WebApplicationFactory<Program>? _factory;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The running hub's services, for tests that must act as the bus or the database would.</summary>
    public IServiceProvider Services => _factory!.Services;

    /// <summary>Adds an issuer with its own key, as the identity work will do through an API.</summary>
    public Task AddIssuerAsync(Identity issuer, string key) => _factory!.Services.GetRequiredService<ApiKeys>().SetStartKeyAsync(issuer, key);
    public WebhookSink Sink { get; private set; } = null!;

    protected abstract IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>What a fixture changes beyond settings (its environment, a log capture), after the defaults above.</summary>
    protected virtual void Configure(IWebHostBuilder builder)
    {
    }

    /// <summary>Serve through Kestrel on 127.0.0.1 (a port of the system's choosing) instead of the in-process test server: for what the server itself does, and for a browser to reach.</summary>
    protected virtual bool OnKestrel => false;

    public async Task InitializeAsync()
    {
        Sink = await WebhookSink.StartAsync();
        await StartHubAsync();
    }

    /// <summary>Stops the hub and starts it again on the same database, as after a crash or a deployment.</summary>
    public async Task RestartAsync()
    {
        Client.Dispose();
        await _factory!.DisposeAsync();
        await StartHubAsync();
    }

    private async Task StartHubAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Production"); // answers as a deployed hub would: no developer pages
            builder.UseSetting("Alert:DataDirectory", _dataDirectory);
            builder.UseSetting("Alert:Samples", "false");
            builder.UseSetting("Alert:Webhooks:AllowLoopback", "true"); // the test receivers run on 127.0.0.1
            builder.UseSetting("ALERT_ADMIN_KEY", AdminKey);
            foreach (var (key, value) in Settings) builder.UseSetting(key, value);
            Configure(builder);
        });
        if (OnKestrel) _factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        Client = _factory.CreateClient();
        await AddIssuerAsync(Issuer, IssuerKey);
    }

    /// <summary>熊本市's disaster desk: may issue for the city and its wards.</summary>
    public static readonly Identity Issuer = new("test-kumamoto-city", "熊本市", Roles.Issuer, "43100");

    public async Task DisposeAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
        await Sink.DisposeAsync();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    public Task<HttpResponseMessage> PostCapAsync(string body, string key = IssuerKey, string contentType = "application/cap+xml", string path = "/api/v1/notices") =>
        SendAsync(HttpMethod.Post, path, new StringContent(body, Encoding.UTF8, contentType), key);

    public Task<HttpResponseMessage> PostCapAsync(CapAlert alert) => PostCapAsync(CapWriter.Write(alert));

    /// <summary>Registers a subscriber that delivers to a fresh hook of the sink; returns its id and the hook's name.</summary>
    public async Task<(string Id, string Hook)> SubscribeAsync(string[] areaCodes, string[]? statuses = null)
    {
        var hook = Guid.NewGuid().ToString("N");
        using var response = await SendAsAdminAsync(HttpMethod.Post, "/api/v1/subscribers",
            new { name = $"test {hook[..6]}", kind = "broadcaster", url = Sink.Url(hook), areaCodes, statuses });
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return (id, hook);
    }

    public Task<HttpResponseMessage> SendAsAdminAsync(HttpMethod method, string path, object? body = null, string key = AdminKey) =>
        SendAsync(method, path, body is null ? null : JsonContent.Create(body), key);

    /// <summary>Sends with a bearer key; the response is buffered so it outlives the request.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, string? key)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public async Task<JsonElement> GetStatusAsync(string id)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/v1/notices/{id}", null, IssuerKey);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls until <paramref name="condition"/> holds, or fails after the timeout: a condition, never a fixed sleep.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}

/// <summary>The embedded default: MassTransit in-memory transport and SQLite.</summary>
public class EmbeddedHub : HubFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Alert:Transport"] = "InMemory",
        ["Alert:WebhookRetryFirst"] = "00:00:00.2",
        ["Alert:WebhookRetryMax"] = "00:00:02",
        ["Alert:BreakerFailures"] = "3",
        ["Alert:BreakerOpen"] = "00:00:01",
        ["Alert:Database"] = "Sqlite",
    };
}

/// <summary>
/// RabbitMQ and PostgreSQL started on loopback by ops/test, which exports their addresses. Without them these
/// tests fail (never skip): run them through ops/test, or leave them out with --filter Category!=Infrastructure.
/// </summary>
public sealed class RabbitPostgresHub : HubFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Alert:Transport"] = "RabbitMq",
        ["Alert:WebhookRetryFirst"] = "00:00:00.2",
        ["Alert:WebhookRetryMax"] = "00:00:02",
        ["Alert:Database"] = "Postgres",
        ["ConnectionStrings:RabbitMq"] = Required("ALERT_TEST_RABBITMQ"),
        ["ConnectionStrings:Postgres"] = Required("ALERT_TEST_POSTGRES"),
    };

    /// <summary>An address ops/test exports; missing, the test fails at once (infrastructure tests never skip).</summary>
    public static string Required(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{variable} is not set: infrastructure tests run through ops/test, which starts RabbitMQ and PostgreSQL.");
}

[CollectionDefinition(Name)]
public sealed class RealInfrastructure : ICollectionFixture<RabbitPostgresHub>
{
    public const string Name = "RabbitMQ + PostgreSQL";
}

/// <summary>The embedded default on a real port of 127.0.0.1: for browser tests and for what Kestrel itself does with bodies (<see cref="HubFixture.Client"/>'s base address is the hub's).</summary>
public sealed class ListeningHub : EmbeddedHub
{
    protected override bool OnKestrel => true;
}
