namespace Alert.Fault.Tests.Support;

/// <summary>
/// The servers the scenarios stop or kill, beside ops/test's own (which the other test assemblies use meanwhile and
/// so must not lose): a RabbitMQ node, a PostgreSQL and a 3-node RabbitMQ cluster, made through ops/infra. They boot
/// side by side in the background from the start (the cluster takes half a minute on two cores); a scenario waits
/// for the one it needs. Removed at the end; ops/test's exit would remove them anyway.
/// </summary>
public sealed class FaultServers(IMessageSink sink) : IAsyncLifetime
{
    public const string Rabbit = "fault-rabbit";
    public const string Postgres = "fault-pg";
    public const string Cluster = "fault-cluster";

    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(150);
    private readonly Output _output = new(sink);
    private Task<string[]>? _rabbit;
    private Task<string>? _postgres;
    private Task<string[]>? _cluster;

    /// <summary>The single node's AMQP URL (vhost /).</summary>
    public Task<string[]> RabbitAsync() => _rabbit!;

    /// <summary>The spare PostgreSQL's connection string (database alert, user alert).</summary>
    public Task<string> PostgresAsync() => _postgres!;

    /// <summary>The cluster's nodes' AMQP URLs, node 1 first.</summary>
    public Task<string[]> ClusterAsync() => _cluster!;

    /// <summary>
    /// A vhost of its own on ops/test's node for a scenario, made ahead in the background like the servers (each
    /// rabbitmqctl call boots an Erlang VM: seconds on two cores); its AMQP URL.
    /// </summary>
    public Task<string> VhostAsync(string scenario) => _vhosts[scenario];

    public static readonly string[] Vhosts = ["hub-killed", "two-hubs", "postgres-stopped"];
    private readonly Dictionary<string, Task<string>> _vhosts = [];

    public Task InitializeAsync()
    {
        foreach (var scenario in Vhosts)
            _vhosts[scenario] = Task.Run(async () =>
            {
                await Infra.RunAsync(_output, Boot, "rmq-vhost", "main", $"fault-{scenario}");
                return Infra.WithVhost(Infra.RabbitMq, $"fault-{scenario}");
            });
        _rabbit = Lines(Infra.RunAsync(_output, Boot, "rmq-add", Rabbit, "1"));
        _postgres = Task.Run(async () => (await Infra.RunAsync(_output, Boot, "pg-add", Postgres)).Trim());
        _cluster = Lines(Infra.RunAsync(_output, Boot, "rmq-add", Cluster, "3"));
        return Task.CompletedTask;
    }

    private static async Task<string[]> Lines(Task<string> text) => (await text).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public async Task DisposeAsync()
    {
        foreach (var (name, started) in new (string, Task)[] { (Rabbit, _rabbit!), (Postgres, _postgres!), (Cluster, _cluster!) })
        {
            try
            {
                await started;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // it failed to start: its scenario has said so; remove what there is
            }
            try
            {
                await Infra.RunAsync(_output, TimeSpan.FromSeconds(60), "remove", name);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                _output.WriteLine($"removing {name}: {e.Message}");
            }
        }
    }

    /// <summary>ops/infra's timings go to the test run's diagnostic messages.</summary>
    private sealed class Output(IMessageSink sink) : ITestOutputHelper
    {
        public void WriteLine(string message) => sink.OnMessage(new Xunit.Sdk.DiagnosticMessage(message));

        public void WriteLine(string format, params object[] args) => sink.OnMessage(new Xunit.Sdk.DiagnosticMessage(format, args));
    }
}
