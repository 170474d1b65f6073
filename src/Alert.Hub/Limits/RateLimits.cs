using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Alert.Hub.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Alert.Hub.Limits;

/// <summary>A token bucket: <see cref="Burst"/> requests at once, refilled at <see cref="PerMinute"/>.</summary>
public sealed class Bucket
{
    public int Burst { get; set; }
    public int PerMinute { get; set; }

    public TokenBucketRateLimiterOptions Limiter() => new()
    {
        TokenLimit = Burst,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1) / PerMinute,
        QueueLimit = 0, // refused at once with Retry-After: a desk's system decides when to send again, the hub holds nothing
    };
}

/// <summary>
/// The "Alert:RateLimits" section: a bucket per authenticated identity, sized by its role, and one per client address
/// for unknown keys. Defaults are far above what a municipal desk, or a prefecture relaying for all its municipalities,
/// sends in a disaster; they stop a runaway script from starving everyone else.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Alert:RateLimits";

    public Bucket Issuer { get; set; } = new() { Burst = 600, PerMinute = 600 };
    public Bucket Admin { get; set; } = new() { Burst = 600, PerMinute = 600 };

    /// <summary>Keys that read on a subscriber's behalf; other roles count as issuers.</summary>
    public Bucket Subscriber { get; set; } = new() { Burst = 300, PerMinute = 300 };

    /// <summary>
    /// Field staff: a person with a phone sends a report a minute at most, with its list read after each; a report can
    /// be 40 MB of photos, so a leaked field key is held to far less than an issuer's.
    /// </summary>
    public Bucket Field { get; set; } = new() { Burst = 60, PerMinute = 60 };

    /// <summary>Requests with a key the hub does not know, per client address: once spent, keys from there are not even looked up.</summary>
    public Bucket UnknownKeys { get; set; } = new() { Burst = 30, PerMinute = 10 };

    public Bucket For(string? role) => role switch
    {
        Roles.Admin => Admin,
        Roles.Subscriber => Subscriber,
        Roles.Field => Field,
        _ => Issuer,
    };

    public bool Valid() => new[] { Issuer, Admin, Subscriber, Field, UnknownKeys }.All(b => b is { Burst: > 0, PerMinute: > 0 });
}

/// <summary>
/// Per-identity rate limits on ASP.NET Core's rate limiter, and the gate for unknown keys. Anonymous requests are not
/// limited here: public feeds and alerts are read by residents' apps and signage from behind carrier NAT and CDNs,
/// where one address is thousands of people (see the README).
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.Valid(), "Alert:RateLimits: every Burst and PerMinute must be positive").ValidateOnStart();
        services.AddSingleton<UnknownKeys>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((o, limits) =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } id
                    ? RateLimitPartition.GetTokenBucketLimiter(id, _ => limits.Value.For(context.User.FindFirstValue(ClaimTypes.Role)).Limiter())
                    : RateLimitPartition.GetNoLimiter(""));
            o.OnRejected = (rejected, _) => Refuse(rejected.HttpContext, rejected.Lease);
        });
        return services;
    }

    /// <summary>
    /// Before the rest of the pipeline: each unknown (or expired) key spends a token of its client address, and once
    /// the address has spent them its unknown keys are answered 429 instead of 401, which slows guessing to a crawl.
    /// </summary>
    public static IApplicationBuilder UseUnknownKeyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Headers.Authorization.Count == 0)
        {
            await next(context);
            return;
        }
        // The authentication middleware after this one gets the same result: a handler authenticates once a request.
        // A valid key is always served: a desk behind the same address as a key-guesser (a prefecture's network, a
        // carrier's NAT) must not be shut out by it. Only unknown keys spend, and are refused once the address has
        // spent its bucket; a lookup by hash is one indexed read, cheap next to what it guards.
        if ((await context.AuthenticateAsync()).Failure is not null)
        {
            var unknown = context.RequestServices.GetRequiredService<UnknownKeys>();
            using var lease = unknown.Limiter.AttemptAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "");
            if (!lease.IsAcquired)
            {
                await Refuse(context, unknown.Refill);
                return;
            }
        }
        await next(context);
    });

    private static ValueTask Refuse(HttpContext context, RateLimitLease lease) =>
        Refuse(context, lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.Zero);

    private static ValueTask Refuse(HttpContext context, TimeSpan after)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new ValueTask(HubProblems.One(StatusCodes.Status429TooManyRequests, "rate.limited",
            $"要求が多すぎます。{seconds} 秒後に送り直してください。この要求は処理していません（何も保存されていません）。",
            $"Too many requests; send again in {seconds} s. This request was not processed (nothing was stored).").ExecuteAsync(context));
    }

    /// <summary>The buckets of client addresses that sent unknown keys.</summary>
    public sealed class UnknownKeys(IOptions<RateLimitOptions> options) : IDisposable
    {
        public PartitionedRateLimiter<string> Limiter { get; } = PartitionedRateLimiter.Create<string, string>(client =>
            RateLimitPartition.GetTokenBucketLimiter(client, _ => options.Value.UnknownKeys.Limiter()));

        /// <summary>How long until an address that spent its bucket may try a key again.</summary>
        public TimeSpan Refill => options.Value.UnknownKeys.Limiter().ReplenishmentPeriod;

        public void Dispose() => Limiter.Dispose();
    }
}
