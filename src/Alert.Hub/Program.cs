using Alert.Geo;
using Alert.Hub;
using Alert.Hub.Alerts;
using Alert.Hub.Areas;
using Alert.Hub.Audit;
using Alert.Hub.Auth;
using Alert.Hub.Delivery;
using Alert.Hub.Desk;
using Alert.Hub.Feeds;
using Alert.Hub.FieldReports;
using Alert.Hub.Health;
using Alert.Hub.Intake;
using Alert.Hub.Layers;
using Alert.Hub.Limits;
using Alert.Hub.Messaging;
using Alert.Hub.Metrics;
using Alert.Hub.Samples;
using Alert.Hub.Sensors;
using Alert.Hub.Setup;
using Alert.Hub.Signage;
using Alert.Hub.Signatures;
using Alert.Hub.Storage;
using Alert.Hub.Streams;
using Alert.Hub.Subscribers;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Authentication;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section)
    .Validate(o => o.MaxNoticeBytes > 0 && o.MaxJsonBytes > 0 && o.MaxPhotoBytes > 0 && o.MaxPhotosPerReport > 0,
        "Alert:MaxNoticeBytes, Alert:MaxJsonBytes, Alert:MaxPhotoBytes and Alert:MaxPhotosPerReport must be positive").ValidateOnStart();
var options = builder.Configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();

builder.Services.AddSingleton(Gazetteer.LoadBundled()).AddSingleton(TownIndex.LoadBundled()).AddSingleton<Addresses>();
builder.Services.AddSingleton<Db>().AddSingleton<ApiKeys>().AddSingleton<Outbox>()
    .AddSingleton<NoticeStore>().AddSingleton<SubscriberStore>().AddSingleton<DisplayStore>();
// Hosted services start in this order: schema first, then keys and samples, then the bus and the relay.
builder.Services.AddHostedService<Migrator>().AddHostedService<Seed>();
// Delivery states are written by a service that starts before the bus and so stops after it: in-flight deliveries can still record.
builder.Services.AddSingleton<SubscriberFilters>().AddSingleton<Breakers>().AddSingleton<DeliveryStates>().AddHostedService(sp => sp.GetRequiredService<DeliveryStates>());
builder.Services.AddHubBus(options, builder.Configuration);
builder.Services.AddHostedService<InMemoryRecovery>().AddHostedService<OutboxRelay>().AddHostedService<RetryScheduler>();
builder.Services.AddSingleton<ActiveAlerts>().AddHostedService(sp => sp.GetRequiredService<ActiveAlerts>());
builder.Services.AddStreams();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.UseStreamConnections());
builder.Services.AddOptions<WebhookTargetOptions>().BindConfiguration("Alert:Webhooks");
builder.Services.AddSingleton<WebhookTargets>();
builder.Services.AddHttpClient(WebhookConsumer.HttpClientName, c => c.Timeout = options.WebhookTimeout)
    .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler { ConnectCallback = sp.GetRequiredService<WebhookTargets>().ConnectAsync });

builder.Services.AddAuthentication(ApiKeyHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(Roles.Issuer, p => p.RequireRole(Roles.Issuer))
    .AddPolicy(Roles.Admin, p => p.RequireRole(Roles.Admin))
    .AddPolicy(Roles.Field, p => p.RequireRole(Roles.Field));
// Exception handlers are tried in this order; the last answers whatever is left, without details.
builder.Services.AddProblemDetails().AddExceptionHandler<StoreUnavailable>().AddExceptionHandler<BodyLimits.BadRequests>()
    .AddExceptionHandler<HubProblems.Unexpected>();
builder.Services.AddBodyLimits().AddRateLimits();
// Japanese stays readable in JSON (problem texts, area names) instead of \uXXXX escapes.
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All));
builder.Services.AddSingleton<ErrorQueues>().AddAudit().AddHubHealth();
builder.Services.AddFeeds();
builder.Services.AddSignatures();
builder.Services.AddHubMetrics().AddHubTracing(builder.Configuration);

var app = builder.Build();
// Streams stay open for hours by the ten thousand: a pipeline of their own, without the middleware the rest of the
// API needs (error pages, static files, authentication — they are public), so each open stream holds less.
app.MapWhen(c => c.Request.Path.StartsWithSegments("/api/v1/stream"), streams => streams.UseRouting().UseEndpoints(e => e.MapStreams()));
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseBodyLimits();
app.UseUnknownKeyLimit();
app.UseAuthentication();
app.UseRateLimiter(); // per identity, so after authentication
app.UseAuthorization();

app.MapNotices();
app.MapDesk();
app.MapIdentities();
app.MapSubscribers();
app.MapFeeds();
app.MapAreas();
app.MapAlerts();
app.MapLayers();
app.MapSensors();
app.MapFieldReports();
app.MapMetrics();
app.MapErrorQueues();
app.MapAudit();
app.MapSignatures();
app.MapDisplays();
app.MapSignage();
app.MapHubHealth();
if (options.Samples) app.MapSampleReceiver();

app.Run();

public partial class Program;
