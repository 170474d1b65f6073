using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Alert.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alert.Hub.Tests.Hostile;

/// <summary>What one group of cases gave: how many ran, a line per case, and every rule broken (empty: all held).</summary>
public sealed record CategoryResult(string Category, int Cases, IReadOnlyList<string> Lines, IReadOnlyList<string> Violations);

/// <summary>
/// The embedded hub (in-memory bus, SQLite) the hostile suite runs against, the log capture hooked into it, and a
/// listener on 127.0.0.1 that XML pointing at external resources would reach if the hub ever fetched one. Each group
/// of cases runs once per fixture, whichever test asks first, so the test that counts them sees every group run.
/// </summary>
public sealed class HostileHub : IAsyncLifetime, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CategoryResult>>> _runs = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public EmbeddedHub Hub { get; } = new Unhurried();
    public LogCapture Logs { get; } = new();
    public HostileProbe Probe { get; private set; } = null!;
    public int ListenerPort => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task InitializeAsync()
    {
        await Hub.InitializeAsync();
        Hub.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
        _listener.Start();
        Probe = new HostileProbe(Hub, Logs);
    }

    public async Task DisposeAsync()
    {
        _listener.Stop();
        await Hub.DisposeAsync();
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The suite sends well over a thousand requests as fast as the hub answers them: buckets no desk needs.</summary>
    private sealed class Unhurried : EmbeddedHub
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
        {
            ["Alert:RateLimits:Issuer:Burst"] = "100000",
            ["Alert:RateLimits:Admin:Burst"] = "100000",
        };
    }

    public Task<CategoryResult> RunOnce(string category, Func<HostileHub, Task<CategoryResult>> run) =>
        _runs.GetOrAdd(category, _ => new Lazy<Task<CategoryResult>>(() => run(this))).Value;

    /// <summary>Null when nothing connected to the listener since the last call; else how many connections came.</summary>
    public string? Connected()
    {
        var count = 0;
        while (_listener.Pending())
        {
            using var client = _listener.AcceptTcpClient();
            count++;
        }
        return count == 0 ? null : $"the hub connected to 127.0.0.1:{ListenerPort} ({count} connection(s)): it fetched an external resource";
    }
}
