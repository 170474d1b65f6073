using Alert.Fault.Tests.Support;

namespace Alert.Fault.Tests;

/// <summary>
/// Scenario 4: two hubs on one RabbitMQ vhost and one database share the work; one is killed with SIGKILL mid-load and
/// stays dead. The desk sends to both in turn and, when one does not answer, to the other. The survivor finishes: every
/// notice reaches every receiver.
/// </summary>
[Trait("Category", "Infrastructure")]
[Collection(FaultScenarios.Name)]
public sealed class TwoHubsTests(FaultServers servers, ITestOutputHelper output)
{
    private const int Notices = 200;

    [Fact]
    public async Task Of_two_hubs_one_killed_the_other_finishes_the_work()
    {
        await using var s = await Scenario.StartAsync("two-hubs", output);
        var rabbit = await servers.VhostAsync("two-hubs");
        var a = s.Hub("hub-a", rabbit);
        var b = s.Hub("hub-b", rabbit);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        HubInstance[] hubs = [a, b];
        await s.PrepareAsync(a, i => hubs[i % 2]);

        var load = s.Load.RunAsync(Notices, perSecond: 10, concurrency: 8, deadline: TimeSpan.FromSeconds(120));
        var owed = Notices * Scenario.ReceiverCount;
        // Mid-load: half the notices accepted, the rest still to come (to both hubs in turn: hub-a's go to hub-b).
        Assert.True(await s.Receivers.WaitAsync(() => s.Load.Accepted >= Notices / 2, TimeSpan.FromSeconds(90)),
            $"half the notices were not accepted within 90 s: {s.Count()}");
        var before = s.Count();
        a.Kill();
        var killed = s.Elapsed;

        await load;
        var (done, _) = await s.WaitForEverythingAsync(Patience.Recovery);
        await s.FinishAsync(done, s.Elapsed - killed,
            $"hub-a killed at {before.Delivered} of {owed} keys received ({before.Accepted} accepted); recovery counted from the kill");
    }
}
