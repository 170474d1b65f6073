using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Npgsql;

namespace Alert.Fault.Tests.Support;

/// <summary>
/// The servers ops/test started (it exports their addresses and its run's directory), and ops/infra, through which the
/// scenarios stop and start them and add servers of their own. Without ops/test's environment every scenario fails at
/// once: infrastructure tests never skip.
/// </summary>
public static class Infra
{
    public static string Postgres => Required("ALERT_TEST_POSTGRES");

    public static string RabbitMq => Required("ALERT_TEST_RABBITMQ");

    /// <summary>ops/test's run directory (/tmp/alert-infra.*): ops/infra works on it, and hub processes carry it as the mark infra_stop sweeps up.</summary>
    public static string Directory => Required("ALERT_TEST_INFRA_DIR");

    public static string Required(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{variable} is not set: the fault scenarios run through ops/test (e.g. ops/test --filter FullyQualifiedName~Alert.Fault), which starts PostgreSQL and RabbitMQ and exports it.");

    private static string Metadata(string key) => typeof(Infra).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == key).Value!;

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>The hub's own build output (src/Alert.Hub/bin/&lt;configuration&gt;/net10.0/), built before this project.</summary>
    public static string HubBuild => Metadata("HubBuild");

    /// <summary>Runs <c>ops/infra ARGS</c> and answers what it printed; throws with its output if it fails or overruns.</summary>
    public static async Task<string> RunAsync(ITestOutputHelper output, TimeSpan timeout, params string[] args)
    {
        _ = Directory; // fails clearly outside ops/test
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "ops", "infra"));
        foreach (var a in args) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // by PID: this ops/infra and what it started in the foreground
            throw new TimeoutException($"ops/infra {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:F0} s: {await stderr}");
        }
        var (text, errors) = (await stdout, await stderr);
        output.WriteLine($"[{Clock.Now}] ops/infra {string.Join(' ', args)}: {clock.Elapsed.TotalSeconds:F1} s{(errors.Length > 0 ? $" ({errors.Trim()})" : "")}");
        if (process.ExitCode != 0) throw new InvalidOperationException($"ops/infra {string.Join(' ', args)} failed ({process.ExitCode}): {errors}{text}");
        return text;
    }

    /// <summary>A database of its own for a scenario, on the server of <paramref name="server"/>; answers its connection string (user alert).</summary>
    public static async Task<string> CreateDatabaseAsync(string server, string name)
    {
        // The clusters ops/infra makes trust loopback connections: the superuser creates the database for alert.
        var admin = new NpgsqlConnectionStringBuilder(server) { Username = "postgres", Password = null, Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" OWNER alert", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>The AMQP URL of <paramref name="node"/> (ending in /) with <paramref name="vhost"/>.</summary>
    public static string WithVhost(string node, string vhost) => node.TrimEnd('/') + "/" + Uri.EscapeDataString(vhost);

    /// <summary>
    /// A loopback port nothing listens on, below the ephemeral range (so no outgoing connection takes it meanwhile), and
    /// not one ops/infra handed out: a stopped server's port is free but must stay its own. Written to the run's list.
    /// </summary>
    public static int FreePort()
    {
        var list = Path.Combine(Directory, "ports");
        lock (Lock)
        {
            var taken = File.Exists(list) ? File.ReadAllLines(list).ToHashSet() : [];
            for (var i = 0; i < 500; i++)
            {
                var port = 20000 + Random.Shared.Next(10000);
                if (taken.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture))) continue;
                try
                {
                    using var probe = new TcpListener(IPAddress.Loopback, port);
                    probe.Start();
                    probe.Stop();
                }
                catch (SocketException)
                {
                    continue;
                }
                File.AppendAllText(list, $"{port}\n", Encoding.ASCII);
                return port;
            }
        }
        throw new InvalidOperationException("no free loopback port in 20000-29999");
    }

    private static readonly Lock Lock = new();
}

/// <summary>Wall-clock time for the logs of a scenario.</summary>
public static class Clock
{
    public static string Now => DateTime.Now.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
}
