using Alert.Fault.Tests.Support;

namespace Alert.Fault.Tests;

/// <summary>
/// Scenario 5: a 3-node RabbitMQ cluster on loopback (quorum queues, three replicas each), two hubs: hub-a connected to
/// node 1, hub-b to node 2 (the hub takes one host in ConnectionStrings:RabbitMq). Node 1, which leads the queues hub-a
/// declared, is killed with SIGKILL under load. The queues elect leaders on the other nodes and nothing is lost; node 1
/// is started again at the end and rejoins.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(FaultScenarios.Name)]
public sealed class ClusterNodeKilledTests(FaultServers servers, ITestOutputHelper output)
{
    private const int Notices = 200;

    [Fact]
    public async Task A_cluster_node_killed_under_load_loses_nothing()
    {
        var nodes = await servers.ClusterAsync();
        await using var s = await Scenario.StartAsync("cluster-node-killed", output);
        var vhost = await s.VhostAsync(FaultServers.Cluster, nodes[0]);
        var name = Uri.UnescapeDataString(new Uri(vhost).AbsolutePath.TrimStart('/'));
        // Each hub knows every node (first its own), and moves to another when its node is lost.
        string Cluster(int first) => string.Join(",", nodes.Skip(first).Concat(nodes.Take(first)).Select(n => Infra.WithVhost(n, name)));
        var a = s.Hub("hub-a", Cluster(0));
        var b = s.Hub("hub-b", Cluster(1));
        await a.StartAsync();
        await b.StartAsync();
        HubInstance[] hubs = [a, b];
        await s.PrepareAsync(a, i => hubs[i % 2]);
        var queues = await Infra.RunAsync(output, TimeSpan.FromSeconds(60), "rmqctl", FaultServers.Cluster, "2", "list_queues", "-p", name, "name", "type", "leader", "members");
        output.WriteLine(queues);

        var load = s.Load.RunAsync(Notices, perSecond: 8, concurrency: 8, deadline: TimeSpan.FromSeconds(120));
        var owed = Notices * Scenario.ReceiverCount;
        // Mid-load: half the notices accepted, the rest still to come.
        Assert.True(await s.Receivers.WaitAsync(() => s.Load.Accepted >= Notices / 2, TimeSpan.FromSeconds(90)),
            $"half the notices were not accepted within 90 s: {s.Count()}");
        var before = s.Count();
        await Infra.RunAsync(output, TimeSpan.FromSeconds(30), "rmq-kill", FaultServers.Cluster, "1");
        var killed = s.Elapsed;

        await load;
        var (done, _) = await s.WaitForEverythingAsync(Patience.Recovery);
        var recovery = s.Elapsed - killed;
        output.WriteLine(await Infra.RunAsync(output, TimeSpan.FromSeconds(60), "rmqctl", FaultServers.Cluster, "2", "list_queues", "-p", name, "name", "leader", "messages"));
        await Infra.RunAsync(output, TimeSpan.FromSeconds(90), "rmq-start", FaultServers.Cluster, "1");
        var leaders = queues.Split('\n').Count(l => l.Contains($"{FaultServers.Cluster}-1@", StringComparison.Ordinal) && l.Contains("quorum", StringComparison.Ordinal));
        await s.FinishAsync(done, recovery,
            $"node 1 (leader of {leaders} quorum queues) killed at {before.Delivered} of {owed} keys received ({before.Accepted} accepted), down until the end; each hub knows every node");
    }
}
