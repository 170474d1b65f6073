namespace Alert.Hub;

public enum Transport { InMemory, RabbitMq }

public enum DatabaseKind { Sqlite, Postgres }

/// <summary>
/// The "Alert" configuration section. The embedded default (in-memory bus, SQLite under DataDirectory, samples on)
/// needs no settings; a real deployment sets Transport, Database and the connection strings.
/// </summary>
public sealed class HubOptions
{
    public const string Section = "Alert";

    public Transport Transport { get; set; } = Transport.InMemory;
    public DatabaseKind Database { get; set; } = DatabaseKind.Sqlite;

    /// <summary>Where the SQLite database lives, relative to the content root unless rooted.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Seed the sample issuer (熊本市) and a sample subscriber that delivers to the hub's own sample receiver.</summary>
    public bool Samples { get; set; }

    /// <summary>Largest notice body accepted, in bytes (intake, its dry run, the sample receiver).</summary>
    public int MaxNoticeBytes { get; set; } = 1_048_576;

    /// <summary>Largest body of any other request (subscribers and the like, JSON), in bytes: a subscriber's polygon of about 10,000 points fits.</summary>
    public int MaxJsonBytes { get; set; } = 262_144;

    /// <summary>Largest photo a field report may carry, in bytes: a phone's full-size JPEG (3–8 MB) fits.</summary>
    public int MaxPhotoBytes { get; set; } = 10_485_760;

    /// <summary>Most photos in one field report.</summary>
    public int MaxPhotosPerReport { get; set; } = 4;

    /// <summary>Largest field report body: its photos, and room for the form's fields and multipart framing.</summary>
    public long MaxFieldReportBytes => (long)MaxPhotoBytes * MaxPhotosPerReport + 65_536;

    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A failed webhook is tried again after this, then after twice as long each time (with jitter), up to <see cref="WebhookRetryMax"/>.</summary>
    public TimeSpan WebhookRetryFirst { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan WebhookRetryMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A notice without valid-until is tried this long; one with it, until then. After that the delivery is dead.</summary>
    public TimeSpan WebhookGiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>After this many failures in a row a subscriber's circuit opens: no attempts for <see cref="BreakerOpen"/>.</summary>
    public int BreakerFailures { get; set; } = 5;

    public TimeSpan BreakerOpen { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sent outbox rows are kept this long, then deleted: an audit of what left when, and the window in which a stream
    /// can resume from its last event id (see the streams' reset event).
    /// </summary>
    public TimeSpan OutboxRetention { get; set; } = TimeSpan.FromDays(7);
}
