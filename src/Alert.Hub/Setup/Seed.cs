using Alert.Hub.Auth;
using Alert.Hub.Signage;
using Alert.Hub.Storage;
using Alert.Hub.Subscribers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Setup;

/// <summary>
/// Makes a fresh hub usable at once: the admin key, and on the embedded default the sample issuer (熊本市) and a
/// sample subscriber that delivers to the hub's own /sample/receiver, and a sample signage display (/signage/demo). Keys come from ALERT_ADMIN_KEY and
/// ALERT_ISSUER_KEY when set (for scripts); otherwise new ones are made and printed, once, at start.
/// </summary>
public sealed class Seed(ApiKeys keys, SubscriberStore subscribers, DisplayStore displays, Db db, IOptions<HubOptions> options, IConfiguration configuration,
    IServer server, IHostApplicationLifetime lifetime) : IHostedService
{
    public static readonly Identity Admin = new("admin", "Administrator", Roles.Admin, null);
    public static readonly Identity SampleIssuer = new("sample-kumamoto-city", "熊本市", Roles.Issuer, "43100");
    public const string SampleSubscriberId = "sample-broadcaster";

    /// <summary>At 熊本市役所 (熊本市中央区), from level 3, owned by nobody.</summary>
    public static readonly Display SampleDisplay = new("demo", "熊本市役所 1階ロビー (sample)", new Point(32.8031, 130.7079), 3,
        new Peacetime(null, "ようこそ熊本市役所へ。災害時はこの画面に避難情報が表示されます。\nWelcome to Kumamoto City Hall. In a disaster, this screen shows evacuation information."),
        DisplaysApi.AllLanguages, "Actual");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var adminKey = await SetKeyAsync(Admin, "ALERT_ADMIN_KEY");
        var issuerKey = options.Value.Samples ? await SetKeyAsync(SampleIssuer, "ALERT_ISSUER_KEY") : null;
        // Added once: an operator's later changes to it survive restarts.
        if (options.Value.Samples) await displays.AddAsync(SampleDisplay with { CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });

        // The sample subscriber needs the address the server really listens on, known only once it has started.
        lifetime.ApplicationStarted.Register(() =>
        {
            var url = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.Replace("0.0.0.0", "localhost", StringComparison.Ordinal);
            if (url is null) return;
            if (options.Value.Samples)
            {
                subscribers.AddAsync(new Subscriber(SampleSubscriberId, "Sample broadcaster (熊本県)", "broadcaster", $"{url}/sample/receiver",
                    ["43"], ["Actual", "Exercise", "Test"], false, DateTimeOffset.UtcNow) { Secret = Core.Webhooks.WebhookSignature.NewSecret() }).GetAwaiter().GetResult();
            }
            PrintWelcome(url, adminKey, issuerKey);
        });
    }

    private async Task<string> SetKeyAsync(Identity identity, string variable)
    {
        var key = configuration[variable] is { Length: > 0 } fixedKey ? fixedKey : ApiKeys.NewKey();
        await keys.SetStartKeyAsync(identity, key);
        // A key the operator chose is theirs to know; only a key made here is printed.
        return configuration[variable] is { Length: > 0 } ? $"(from {variable})" : $"{key}   (set {variable} to fix it)";
    }

    private void PrintWelcome(string url, string adminKey, string? issuerKey)
    {
        var o = options.Value;
        Console.WriteLine($"""

            Alert hub is ready: {url}
              bus: {(o.Transport == Transport.RabbitMq ? "RabbitMQ" : "in-memory")}   database: {db.Describe()}
              admin key:  {adminKey}
            """);
        if (issuerKey is not null)
        {
            Console.WriteLine($"""
                  issuer key: {issuerKey}   sample issuer 熊本市 (431001)
                  desk:       {url}/desk   sign in with the issuer key
                  feed:       {url}/feeds/notices.atom
                  received:   {url}/sample/receiver   what the sample subscriber (熊本県) got
                  residents:  {url}/resident/?lat=32.7889&lng=130.7323   what applies at 出水一丁目
                  signage:    {url}/signage/demo   a sample display at 熊本市役所
                  try:        curl -i -H "Authorization: Bearer $ALERT_ISSUER_KEY" -H "Content-Type: application/cap+xml" \
                                --data-binary @schemas/cap/examples/evacuation-order.xml {url}/api/v1/notices

                """);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
