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

    /// <summary>Largest notice body accepted, in bytes.</summary>
    public int MaxNoticeBytes { get; set; } = 1_048_576;

    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
